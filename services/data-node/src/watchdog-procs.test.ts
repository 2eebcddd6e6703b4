// The Redis watchdog (libs/core data-node watchdog.ts) with real redis-server, nats-server and
// data-node processes, the lease granted as two of three agents would (grantLeases). The hole it
// closes: a primary's data-node dead or hung while its redis-server runs on, writable past the
// lease the leader waits out (`npm run sim -- --seed 60 --verbose --watchdog off`). Each test
// awaits process exits (pid polls), never a fixed sleep.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import type { NatsConnection } from "@nats-io/transport-node";
import { pidAlive } from "./adopt.js";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import {
  connectedRedis,
  crashAndRestartDataNode,
  crashDataNode,
  gone,
  dataNodeNats,
  grantLeases,
  natsClient,
  respawnDataNode,
  sendCommand,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";
import type { LeaseGranter, NodeUnderTest } from "./testing/support.js";

const AGENTS = ["a".repeat(40), "b".repeat(40)];
/** The granted lease (grantLeases answers lease_ms 500). */
const LEASE_MS = 500;

interface Primary {
  readonly nc: NatsConnection;
  readonly dn: NodeUnderTest;
  readonly redis_pid: number;
  readonly redis_port: number;
  readonly watchdog_pid: number;
  readonly watcher: StatusWatcher;
  readonly leases: LeaseGranter;
}

/** A supervised primary under a lease, its watchdog armed. */
async function armedPrimary(
  procs: Harness,
  node_id: string,
  extra_config: Readonly<Record<string, unknown>> = {},
): Promise<Primary> {
  const nats = await procs.startNats();
  const prepared = await procs.prepareRedis({ name: node_id });
  const nc = await natsClient(procs, nats);
  const leases = grantLeases(nc, node_id, AGENTS);
  await nc.flush();
  const watcher = new StatusWatcher(nc, node_id);
  const dn = await startDataNode(procs, node_id, {
    mode: "supervise",
    redis_config_path: prepared.config_path,
    start_fenced: false,
    master_name: "mymaster",
    shutdown_switchover_timeout_ms: 0,
    nats: await dataNodeNats(nats, node_id, { reconnect_wait_ms: 100, reconnect_jitter_ms: 0 }),
    redis: { port: prepared.port },
    lease_ms: LEASE_MS,
    ...extra_config,
  });
  const started = await dn.service.waitForLog((l) => l["event"] === "watchdog_started", {
    timeout_ms: 10000,
  });
  const redis_pid = Number(started["redis_pid"]);
  const watchdog_pid = Number(started["pid"]);
  procs.adoptPid(redis_pid); // both outlive the data-node: killed at teardown whatever happens
  procs.adoptPid(watchdog_pid);
  await dn.service.waitForLog((l) => l["event"] === "watchdog_line" && l["line"] === "arm", {
    timeout_ms: 10000,
  });
  await watcher.waitFor((r) => r.info?.role === "master" && !r.fenced, { timeout_ms: 10000 });
  return { nc, dn, redis_pid, redis_port: prepared.port, watchdog_pid, watcher, leases };
}

void test("primary's redis-server SIGSTOPped, then its data-node SIGKILLed: the orphan fence goes unanswered, killed by the lease's end", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w1");
    // seed 60: hung, unfenced, nobody left to fence it. Stopped first, so the watchdog's own
    // fence (at the pipe's end) finds it hung.
    process.kill(primary.redis_pid, "SIGSTOP");
    const killed_at = performance.now();
    primary.dn.service.process.killNow("SIGKILL");
    await primary.dn.service.exited;
    const dead_at = await gone(primary.redis_pid, 10_000);
    const after_ms = dead_at - killed_at;
    t.diagnostic(
      `redis-server gone ${after_ms.toFixed(1)} ms after its data-node's SIGKILL (lease ${LEASE_MS} ms)`,
    );
    // The lease ran from a request sent before the SIGKILL: it ended within LEASE_MS of it. The
    // rest is the watchdog's wake-up and this test's 5 ms poll, under the machine's load.
    assert.ok(after_ms <= LEASE_MS + 250, `killed ${after_ms.toFixed(1)} ms after, lease ${LEASE_MS} ms`);
    await gone(primary.watchdog_pid, 5000);
  });
});

void test("primary's data-node SIGKILLed: the watchdog fences the server instead of killing it; the next data-node adopts and unfences it", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w4");
    await crashDataNode(primary.dn);
    // The pipe's end while armed: the watchdog sends the fence itself and exits once answered.
    await gone(primary.watchdog_pid, 10_000);
    assert.equal(pidAlive(primary.redis_pid), true, "fenced, not killed");
    const redis = await connectedRedis(procs, primary.redis_port, "check");
    try {
      assert.deepEqual(await redis.config("GET", "min-replicas-to-write"), [
        "min-replicas-to-write",
        String(FENCE_MARKER),
      ]);
      await assert.rejects(redis.set("k", "v"), /NOREPLICAS/);
      await respawnDataNode(procs, primary.dn);
      const adopted = await primary.dn.service.waitForLog((l) => l["event"] === "redis_adopted", {
        timeout_ms: 10_000,
      });
      assert.equal(adopted["pid"], primary.redis_pid);
      // Fenced: the predecessor's watchdog is gone, a new one watches the adopted server.
      const own = await primary.dn.service.waitForLog((l) => l["event"] === "watchdog_started", {
        timeout_ms: 10_000,
      });
      procs.adoptPid(Number(own["pid"]));
      // An agent's unfence (the committed primary seen fenced): lifted under the granted lease,
      // to the config file's value (0), not left at the marker.
      await primary.watcher.waitFor((r) => r.process.state === "running" && r.fenced, { timeout_ms: 10_000 });
      const unfenced = await sendCommand(primary.nc, "w4", 1, "agent-a", { type: "unfence" });
      assert.ok(unfenced.ok, JSON.stringify(unfenced));
      await primary.watcher.waitFor((r) => r.info?.role === "master" && !r.fenced, { timeout_ms: 10_000 });
      assert.equal(await redis.set("k", "v"), "OK");
      assert.deepEqual(await redis.config("GET", "min-replicas-to-write"), ["min-replicas-to-write", "0"]);
    } finally {
      redis.disconnect();
    }
  });
});

void test("primary's data-node SIGSTOPped: its redis-server is killed after the lease's end", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w2");
    const data_node_pid = primary.dn.service.process.pid;
    const stopped_at = performance.now();
    process.kill(data_node_pid, "SIGSTOP");
    try {
      const dead_at = await gone(primary.redis_pid, 10_000);
      t.diagnostic(`redis-server gone ${(dead_at - stopped_at).toFixed(1)} ms after its data-node's SIGSTOP`);
      assert.ok(dead_at - stopped_at <= LEASE_MS + 250);
    } finally {
      process.kill(data_node_pid, "SIGCONT");
    }
    // Resumed, the data-node sees the exit (its own child) and reports it.
    await primary.watcher.waitFor((r) => r.process.state === "exited", { timeout_ms: 10_000 });
  });
});

void test("primary's redis-server SIGSTOPped, its data-node alive: a fence only queued does not spare it", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w5", { hang_fence_after_ms: 100 });
    const log_mark = primary.dn.service.lineCount();
    process.kill(primary.redis_pid, "SIGSTOP");
    // The hang rule writes the fence on the connection to the stopped server (self-fence.ts). On
    // SIGCONT the server would run it in one pass with the client writes buffered on its other
    // connections, in no set order (test/faults stop-primary: a write acknowledged after the
    // promotion), so it must not disarm the watchdog.
    await primary.dn.service.waitForLog((l) => l["event"] === "fence_queued", {
      timeout_ms: 10_000,
      since: log_mark,
    });
    // The agents' PINGs go unanswered too: they stop vouching for it (lease.ts no-recent-ping),
    // and the server dies at its lease's end.
    const stopped_at = performance.now();
    primary.leases.set(false);
    const dead_at = await gone(primary.redis_pid, 10_000);
    t.diagnostic(`redis-server gone ${(dead_at - stopped_at).toFixed(1)} ms after the last grant`);
    assert.ok(dead_at - stopped_at <= LEASE_MS + 250, `killed ${(dead_at - stopped_at).toFixed(1)} ms after`);
    // The data-node sees its own child killed and reports it (restart-plan.ts then holds the
    // restart of a crashed committed primary until another primary is committed).
    await primary.watcher.waitFor((r) => r.process.state === "exited" && r.process.signal === "SIGKILL", {
      timeout_ms: 10_000,
    });
  });
});

void test("replica's data-node SIGKILLed: the disarmed watchdog exits, redis-server runs on and is adopted", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w3");
    const demoted = await sendCommand(primary.nc, "w3", 4, "agent-a", {
      type: "replicaof",
      host: "127.0.0.1",
      port: 1,
    });
    assert.ok(demoted.ok && demoted.role === "slave", JSON.stringify(demoted));
    await primary.dn.service.waitForLog((l) => l["event"] === "watchdog_line" && l["line"] === "disarm", {
      timeout_ms: 5000,
    });
    await crashAndRestartDataNode(procs, primary.dn);
    // EOF while disarmed: the watchdog exits at once and leaves the server alone.
    await gone(primary.watchdog_pid, 5000);
    const adopted = await primary.dn.service.waitForLog((l) => l["event"] === "redis_adopted", {
      timeout_ms: 10_000,
    });
    assert.equal(adopted["pid"], primary.redis_pid);
    assert.equal(pidAlive(primary.redis_pid), true, "the replica runs on");
    // No predecessor's watchdog left: the new data-node starts its own for the adopted server.
    const own = await primary.dn.service.waitForLog((l) => l["event"] === "watchdog_started", {
      timeout_ms: 10_000,
    });
    assert.equal(own["redis_pid"], primary.redis_pid);
    procs.adoptPid(Number(own["pid"]));
  });
});

void test("graceful SIGTERM: the watchdog is detached, redis-server stops by its own SIGTERM, not a kill", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w4");
    const exit = await primary.dn.service.stop(10_000);
    assert.equal(exit.code, 0);
    await gone(primary.watchdog_pid, 5000); // detached: it exits (its own exit is not ours to see)
    const exited = await primary.dn.service.waitForLog((l) => l["event"] === "redis_exited", {
      timeout_ms: 1000,
      since: 0,
    });
    assert.deepEqual([exited["code"], exited["signal"]], [0, null], "its own SIGTERM shutdown");
    assert.equal(/killed redis-server/.test(primary.dn.service.process.logs()), false, "nothing killed");
  });
});

void test("primary SIGTERMed while its server waits for a lagging replica and the lease ends: fenced, not killed, a clean stop", async (t) => {
  await withProcesses(t, async (procs) => {
    // The stop's margin outlasts the server's wait (shutdown-timeout 1 s): only the lease ends.
    const primary = await armedPrimary(procs, "w6", { stop_grace_ms: 10_000 });
    const replica = await procs.startRedis({
      name: "w6-replica",
      config_lines: [`replicaof 127.0.0.1 ${primary.redis_port}`, "min-replicas-to-write 0"],
    });
    const client = await connectedRedis(procs, primary.redis_port, "test-w6");
    await client.set("w6", "synced");
    assert.equal(await client.call("WAIT", "1", "10000"), 1, "the replica never acknowledged");
    await client.call("CONFIG", "SET", "shutdown-timeout", "1");
    // Stopped, the replica acknowledges nothing more: a SIGTERMed primary waits for it.
    process.kill(replica.pid, "SIGSTOP");
    try {
      await client.set("w6", "lagging");
      // As under `up`'s stop: the agents are gone first, so the lease ends during the stop.
      primary.leases.set(false);
      const log_mark = primary.dn.service.lineCount();
      const exit = await primary.dn.service.stop(15_000);
      assert.equal(exit.code, 0, `data-node exit ${JSON.stringify(exit)}`);
      const logged = (event: string): Promise<Record<string, unknown> | null> =>
        primary.dn.service
          .waitForLog((l) => l["event"] === event, { timeout_ms: 1, since: log_mark })
          .catch(() => null);
      const exited = await logged("redis_exited");
      assert.deepEqual(
        { code: exited?.["code"], signal: exited?.["signal"] },
        { code: 0, signal: null },
        "the server was killed, not stopped",
      );
      const fenced = await logged("fenced");
      assert.equal(fenced?.["reason"], "lease", "the lease's end during the stop was not self-fenced");
      // A clean stop: the next start is a start, not a primary's crash (restart-plan.ts).
      const saved = JSON.parse(
        await readFile(join(primary.dn.state_dir, "data-node-state.json"), "utf8"),
      ) as {
        readonly running_role?: string | null;
      };
      assert.equal(saved.running_role ?? null, null);
    } finally {
      process.kill(replica.pid, "SIGCONT");
    }
  });
});

void test("the watchdog itself starved (SIGSTOPped) past its deadline while its data-node renewed the lease: the server is spared", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await armedPrimary(procs, "w7");
    // The data-node keeps renewing (grants on) and writes each renewal's `arm` line on time; the
    // watchdog reads them only when it runs again, after its last deadline.
    process.kill(primary.watchdog_pid, "SIGSTOP");
    const renewed = primary.leases.requests.length;
    try {
      // Five lease lengths of renewals, each one counted as it arrives (no fixed sleep).
      while (primary.leases.requests.length < renewed + 20) await primary.leases.requestsAfter(1);
    } finally {
      process.kill(primary.watchdog_pid, "SIGCONT");
    }
    // Its next renewal's line answers once the watchdog has read the backlog: the server lives.
    await primary.leases.requestsAfter(4);
    assert.equal(pidAlive(primary.redis_pid), true, "the watchdog killed a primary whose lease was renewed");
    assert.equal(pidAlive(primary.watchdog_pid), true, "the watchdog exited");
    t.diagnostic(
      `${primary.leases.requests.length - renewed} renewals while the watchdog was stopped or catching up`,
    );
  });
});
