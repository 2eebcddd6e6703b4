// Self-healing nodes (issue 18, item 5), real processes: a data-node restarts its crashed
// redis-server as a replica of the committed primary, with back-off and a crash-loop limit, and a
// primary that comes back empty is held (serves no SYNC) and reported data_lost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeNodeStatus, nodeStatusSubject } from "@sentinel-plane/protocol";
import type { NodeStatusReport } from "@sentinel-plane/protocol";
import type { Redis } from "@sentinel-plane/runtime";
import type { Cluster, RedisNode } from "@sentinel-plane/testkit";
import { REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";

/** Fast restarts, so each test stays within seconds. */
const RESTART = {
  restart_delay_ms: 200,
  restart_backoff_max_ms: 800,
  crash_loop_max: 3,
  crash_loop_window_ms: 60_000,
} as const;

interface Restarted {
  readonly as: unknown;
  readonly args: unknown;
  /** The new redis-server's pid (adopted by the harness for teardown). */
  readonly pid: number;
}

/**
 * SIGKILLs the node's redis-server (`pid`, or the one INFO names) and waits for its data-node to
 * restart it: the plan it logged and the new pid.
 */
async function killAndAwaitRestart(
  cluster: Cluster,
  node: RedisNode,
  pid: number | null = null,
): Promise<Restarted> {
  const since = node.dataNode.lineCount();
  process.kill(pid ?? (await redisPid(cluster.procs, node.port)), "SIGKILL");
  const plan = await node.dataNode.waitForLog((r) => r["event"] === "redis_restarting", {
    timeout_ms: EVENT_TIMEOUT_MS,
    since,
  });
  const started = await node.dataNode.waitForLog((r) => r["event"] === "redis_started", {
    timeout_ms: EVENT_TIMEOUT_MS,
    since,
  });
  const new_pid = Number(started["pid"]);
  assert.ok(Number.isInteger(new_pid) && new_pid > 0);
  cluster.procs.adoptPid(new_pid);
  return { as: plan["as"], args: plan["args"], pid: new_pid };
}

/**
 * Polls `check` on a fresh connection each time: a restarting server refuses connections, and a
 * role change (CLIENT KILL TYPE normal) closes them.
 */
async function polled(
  cluster: Cluster,
  port: number,
  what: string,
  check: (client: Redis) => Promise<boolean>,
): Promise<void> {
  await eventually(
    what,
    async () => {
      const client = await redisClient(cluster.procs, port);
      try {
        return (await check(client)) ? true : null;
      } finally {
        client.disconnect();
      }
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
}

/** Waits until the server on `port` is a replica of `primary_port` with its link up. */
async function replicaOf(cluster: Cluster, port: number, primary_port: number): Promise<void> {
  await polled(cluster, port, `127.0.0.1:${port} replicates from ${primary_port}`, async (client) => {
    const info = await client.info("replication");
    const follows = info.includes("role:slave") && info.includes(`master_port:${primary_port}\r`);
    return follows && info.includes("master_link_status:up");
  });
}

void test("a SIGKILLed replica comes back as a replica of the primary; one that crashes in a loop stops being restarted", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS, data_node_config: RESTART });
    const [primary, replica] = cluster.redis;
    assert.ok(primary && replica);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = await redisClient(procs, primary.port);
    await writer.set("before-crash", "1");

    const restart = await killAndAwaitRestart(cluster, replica);
    assert.equal(restart.as, "replica_of");
    await replicaOf(cluster, replica.port, primary.port);
    await polled(
      cluster,
      replica.port,
      "the key is back",
      async (c) => (await c.get("before-crash")) === "1",
    );

    // Two more crashes inside the window: the third is a crash loop, not restarted.
    const second = await killAndAwaitRestart(cluster, replica, restart.pid);
    const since = replica.dataNode.lineCount();
    process.kill(second.pid, "SIGKILL");
    const loop = await replica.dataNode.waitForLog((r) => r["event"] === "crash_loop", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since,
    });
    assert.equal(loop["exits_in_window"], 3);
    const report = await nextReport(cluster, replica, (s) => s.restart?.state === "crash_loop");
    assert.equal(report.process.state, "exited");
    // Past the longest back-off (800 ms), still nothing restarted: the report stays crash_loop.
    const later = await nextReport(
      cluster,
      replica,
      (s) => s.sent_at_ms > report.sent_at_ms + RESTART.restart_backoff_max_ms * 2,
    );
    // A restart would have made the phase running (restarter.ts) and the process running.
    assert.equal(later.restart?.state, "crash_loop");
    assert.equal(later.process.state, "exited");

    // The operator's reset (REST, role operate) restarts it at once, as the primary's replica.
    const reset_since = replica.dataNode.lineCount();
    const reset = await post(cluster, `/v1/masters/mymaster/nodes/127.0.0.1:${replica.port}/reset-restarts`);
    assert.equal(reset.status, 200, JSON.stringify(reset.body));
    const restarted = await replica.dataNode.waitForLog((r) => r["event"] === "redis_started", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since: reset_since,
    });
    cluster.procs.adoptPid(Number(restarted["pid"]));
    await replicaOf(cluster, replica.port, primary.port);

    // reinit: its data dropped and synced again in full; refused on the primary.
    const refused = await post(cluster, `/v1/masters/mymaster/replicas/127.0.0.1:${primary.port}/reinit`);
    assert.equal(refused.status, 422);
    const syncs_full = async (): Promise<number> =>
      Number(/sync_full:(\d+)/.exec(await writer.info("stats"))?.[1] ?? Number.NaN);
    const full_before = await syncs_full();
    const reinit_since = replica.dataNode.lineCount();
    const reinit = await post(cluster, `/v1/masters/mymaster/replicas/127.0.0.1:${replica.port}/reinit`);
    assert.equal(reinit.status, 200, JSON.stringify(reinit.body));
    const reinit_started = await replica.dataNode.waitForLog((r) => r["event"] === "redis_started", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since: reinit_since,
    });
    cluster.procs.adoptPid(Number(reinit_started["pid"]));
    await replicaOf(cluster, replica.port, primary.port);
    assert.ok((await syncs_full()) > full_before, "the primary sent a full copy");
    await polled(
      cluster,
      replica.port,
      "the key is back after reinit",
      async (c) => (await c.get("before-crash")) === "1",
    );
  });
});

/** POST to the first agent's REST API with the test token. */
async function post(cluster: Cluster, path: string): Promise<{ status: number; body: unknown }> {
  const port = cluster.agents[0]?.rest_port ?? 0;
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${REST_TOKEN_DEFAULT}` },
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
  });
  return { status: response.status, body: await response.json() };
}

void test("a SIGKILLed primary: failover, then the old node comes back as a replica of the new primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      replica_priorities: [50, 100],
      data_node_config: RESTART,
    });
    const [primary, best] = cluster.redis;
    assert.ok(primary && best);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const mark = cluster.events.length;

    // It was the committed primary: restarted only once the topology names another, as its
    // replica (the failover may beat the 200 ms back-off: then there is nothing to wait for).
    const restart = await killAndAwaitRestart(cluster, primary);
    await cluster.waitForEvent((e) => e.name === "+switch-master" && e.text.endsWith(` ${best.port}`), {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.equal(restart.as, "replica_of");
    assert.deepEqual(restart.args, ["--replicaof", "127.0.0.1", String(best.port)]);
    await replicaOf(cluster, primary.port, best.port);
  });
});

void test("a primary restarted with an empty data directory is held: replicas keep their data, it is reported data_lost", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      // No replica may be promoted, so nobody takes over and the old primary must come back.
      replica_priorities: [0, 0],
      data_node_config: { ...RESTART, restart_primary_wait_ms: 1500 },
    });
    const [primary, replica] = cluster.redis;
    assert.ok(primary && replica);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = await redisClient(procs, primary.port);
    for (let i = 0; i < 100; i++) await writer.set(`key:${i}`, String(i));
    assert.equal(await writer.call("WAIT", "2", "2000"), 2);
    // The data-node saw the keys before the crash: a report carries an offset after the writes.
    const offset = Number(/master_repl_offset:(\d+)/.exec(await writer.info("replication"))?.[1]);
    await nextReport(cluster, primary, (s) => (s.info?.master_repl_offset ?? -1) >= offset);
    const replica_since = replica.dataNode.lineCount();

    // `save ""`: a SIGKILLed primary comes back with no RDB, i.e. empty.
    const restart = await killAndAwaitRestart(cluster, primary);
    assert.equal(restart.as, "held");
    const empty = await primary.dataNode.waitForLog((r) => r["event"] === "empty_after_restart", {
      timeout_ms: EVENT_TIMEOUT_MS,
    });
    assert.equal(empty["held"], true);
    const report = await nextReport(cluster, primary, (s) => s.data_lost === true);
    assert.equal(report.restart?.state, "held");
    // A replica tried to resync from the reborn primary and was refused (its own redis log).
    await replica.dataNode.waitForLog(
      (r) => r["event"] === "redis_output" && String(r["line"]).includes("NOMASTERLINK"),
      { timeout_ms: EVENT_TIMEOUT_MS, since: replica_since },
    );
    for (const node of cluster.redis.slice(1)) {
      const client = await redisClient(procs, node.port);
      assert.equal(await client.dbsize(), 101, `replica ${node.port} kept its data`); // + "probe"
    }
  });
});

void test("nobody can take over and the data is intact: held, then a fenced master the agents unfence", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      replica_priorities: [0, 0],
      data_node_config: { ...RESTART, restart_primary_wait_ms: 1500 },
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = await redisClient(procs, primary.port);
    for (let i = 0; i < 100; i++) await writer.set(`key:${i}`, String(i));
    await writer.call("SAVE"); // an RDB on disk: the restart loads it
    const offset = Number(/master_repl_offset:(\d+)/.exec(await writer.info("replication"))?.[1]);
    await nextReport(cluster, primary, (s) => (s.info?.master_repl_offset ?? -1) >= offset);
    const since = primary.dataNode.lineCount();

    const restart = await killAndAwaitRestart(cluster, primary);
    assert.equal(restart.as, "held");
    const released = await primary.dataNode.waitForLog((r) => r["event"] === "held_released", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since,
    });
    assert.equal(released["as"], "master (fenced)");
    assert.equal(released["ok"], true);
    await polled(cluster, primary.port, "writable again (unfenced by the agents)", async (c) => {
      await c.set("after-restart", "1"); // -NOREPLICAS while fenced
      return true;
    });
    const client = await redisClient(procs, primary.port);
    assert.equal(await client.get("key:99"), "99", "its data came back");
  });
});

/** The node's next status report that satisfies `match`, read from NATS. */
async function nextReport(
  cluster: Cluster,
  node: RedisNode,
  match: (status: NodeStatusReport) => boolean,
): Promise<NodeStatusReport> {
  const sub = cluster.nc.subscribe(nodeStatusSubject(cluster.cluster_id, node.node_id));
  const timer = setTimeout(() => {
    sub.unsubscribe();
  }, EVENT_TIMEOUT_MS);
  try {
    for await (const msg of sub) {
      const decoded = decodeNodeStatus(msg.data);
      if (decoded.ok && match(decoded.value)) return decoded.value;
    }
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
  }
  throw new Error(`no matching status report of ${node.node_id} within ${EVENT_TIMEOUT_MS} ms`);
}
