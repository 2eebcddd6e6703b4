// sentinel-agent end to end (issue 4): nats-server, 3 redis-server, 3 data-nodes, 3 agents, all
// real processes on loopback. Runs one file at a time (.serial): ten processes per test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Kvm } from "@nats-io/kv";
import { decodeTopologyRecord, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { eventually, redisClient, redisPid } from "./support/redis.js";

const DOWN_AFTER_MS = 1000;
const FAILOVER_TIMEOUT_MS = 10_000;
const EVENT_TIMEOUT_MS = 20_000;

/** Waits until every agent has announced both replicas and both peers (discovery). */
async function discovered(cluster: Cluster): Promise<void> {
  const agents = cluster.agents.length;
  const replicas = cluster.redis.length - 1;
  await eventually(
    "discovery",
    () => {
      const slaves = new Set(cluster.named("+slave").map((s) => `${s.event.agent} ${s.event.text}`));
      const sentinels = new Set(cluster.named("+sentinel").map((s) => `${s.event.agent} ${s.event.text}`));
      return Promise.resolve(
        slaves.size >= agents * replicas && sentinels.size >= agents * (agents - 1) ? true : null,
      );
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
}

/** Waits until the primary accepts writes (it starts fenced until the agents confirm it). */
async function writable(cluster: Cluster, port: number): Promise<void> {
  await cluster.waitForEvent((e) => e.name === "+unfence-master" && e.text.includes(` ${port} `), {
    timeout_ms: EVENT_TIMEOUT_MS,
  });
  const client = await redisClient(cluster.procs, port);
  await eventually(
    "primary writable",
    async () => {
      await client.set("probe", "1"); // rejects with NOREPLICAS while fenced
      return true;
    },
    {
      timeout_ms: EVENT_TIMEOUT_MS,
      interval_ms: 50,
    },
  );
}

function switchTexts(cluster: Cluster): string[] {
  return cluster.named("+switch-master").map((s) => s.event.text);
}

void test("SIGKILL of the primary: one leader, best replica promoted, others follow, data kept, old primary converted", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      replica_priorities: [50, 100],
    });
    const [primary, best, other] = cluster.redis;
    assert.ok(primary && best && other);
    await discovered(cluster);
    await writable(cluster, primary.port);

    const writer = await redisClient(procs, primary.port);
    for (let i = 0; i < 200; i++) await writer.set(`key:${i}`, `value:${i}`);
    assert.equal(await writer.call("WAIT", "2", "2000"), 2, "both replicas acknowledged the keys");
    const mark = cluster.events.length;

    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const expected = `${cluster.master_name} 127.0.0.1 ${primary.port} 127.0.0.1 ${best.port}`;
    await eventually(
      "+switch-master on every agent",
      () =>
        Promise.resolve(
          new Set(cluster.named("+switch-master", mark).map((s) => s.event.agent)).size === 3 ? true : null,
        ),
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    for (const text of switchTexts(cluster)) assert.equal(text, expected);

    const elected = cluster.named("+elected-leader", mark);
    const by_epoch = new Map<number, Set<string>>();
    for (const e of elected)
      by_epoch.set(e.event.epoch, (by_epoch.get(e.event.epoch) ?? new Set()).add(e.event.agent));
    for (const [epoch, leaders] of by_epoch) assert.equal(leaders.size, 1, `one leader in epoch ${epoch}`);
    const promoted = cluster.named("+promoted-slave", mark);
    assert.equal(promoted.length, 1, "exactly one promotion");
    assert.match(promoted[0]?.event.text ?? "", new RegExp(` ${best.port} @ `));

    await cluster.waitForEvent((e) => e.name === "+slave-reconf-done" && e.text.includes(`:${other.port} `), {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });

    // The committed record: updated once, naming the promoted replica.
    const kv = await new Kvm(cluster.nc).open(topologyBucket(cluster.cluster_id));
    const entries = [];
    for await (const entry of await kv.history({ key: topologyKey(cluster.master_name) }))
      entries.push(entry);
    const puts = entries.filter((e) => e.operation === "PUT");
    assert.equal(puts.length, 1, "the KV record was written once");
    const record = decodeTopologyRecord(puts[0]?.string() ?? "");
    assert.ok(record.ok);
    assert.deepEqual(record.value.primary, { host: "127.0.0.1", port: best.port });
    assert.equal(record.value.config_epoch, promoted[0]?.event.epoch);

    const fresh = await redisClient(procs, best.port);
    for (let i = 0; i < 200; i++) assert.equal(await fresh.get(`key:${i}`), `value:${i}`);
    const replica_view = await redisClient(procs, other.port);
    await eventually(
      "other replica follows the new primary",
      async () =>
        /master_port:(\d+)/.exec(await replica_view.info("replication"))?.[1] === String(best.port)
          ? true
          : null,
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );

    // The old primary comes back (its data-node restarts it, fenced): it becomes a replica.
    await cluster.restartDataNode(primary);
    await cluster.waitForEvent(
      (e) => e.name === "+convert-to-slave" && e.text.includes(`:${primary.port} `),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        since_index: mark,
      },
    );
    const old = await redisClient(procs, primary.port);
    await eventually(
      "old primary replicates the new one",
      async () => {
        const info = await old.info("replication");
        return info.includes("role:slave") && info.includes(`master_port:${best.port}`) ? true : null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
  });
});

void test("only 1 of 3 agents alive: the primary goes SDOWN but never fails over", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    const [survivor, a1, a2] = cluster.agents;
    assert.ok(survivor && a1 && a2);
    await cluster.stopAgent(a1);
    await cluster.stopAgent(a2);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const sdown = await cluster.waitForEvent((e) => e.name === "+sdown" && e.text.startsWith("master "), {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    // An observation window, not a synchronisation: 3 x down-after after SDOWN, a majority side
    // would have elected and promoted long before (see the SIGKILL test's timings).
    await new Promise((resolve) => setTimeout(resolve, 3 * DOWN_AFTER_MS));
    const acted = cluster.events
      .slice(mark)
      .filter((s) =>
        ["+odown", "+elected-leader", "+promoted-slave", "+switch-master"].includes(s.event.name),
      );
    assert.deepEqual(
      acted.map((s) => s.event.name),
      [],
      `a minority acted after ${sdown.event.name}`,
    );
  });
});

void test("the leader crashes right after its election: the failover still ends with exactly one primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const marker = `${await procs.tempDir("crash")}/crashed`;
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      agent_env: { SP_SIMULATE_FAILURE: "crash-after-election", SP_SIMULATE_FAILURE_ONCE_FILE: marker },
    });
    await assertOnePrimaryAfterLeaderCrash(cluster, procs);
  });
});

void test("the leader crashes right after the promotion: the failover still ends with exactly one primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const marker = `${await procs.tempDir("crash")}/crashed`;
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      agent_env: { SP_SIMULATE_FAILURE: "crash-after-promotion", SP_SIMULATE_FAILURE_ONCE_FILE: marker },
    });
    await assertOnePrimaryAfterLeaderCrash(cluster, procs);
  });
});

async function assertOnePrimaryAfterLeaderCrash(
  cluster: Cluster,
  procs: Parameters<Parameters<typeof withProcesses>[1]>[0],
): Promise<void> {
  const [primary, ...replicas] = cluster.redis;
  assert.ok(primary);
  await discovered(cluster);
  const mark = cluster.events.length;
  process.kill(await redisPid(procs, primary.port), "SIGKILL");
  // The two surviving agents switch; the crashed one cannot.
  await eventually(
    "+switch-master on the surviving agents",
    () =>
      Promise.resolve(
        new Set(cluster.named("+switch-master", mark).map((s) => s.event.agent)).size >= 2 ? true : null,
      ),
    { timeout_ms: 3 * EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
  const crashed = cluster.agents.filter((a) => a.process.process.exitInfo !== null);
  assert.equal(crashed.length, 1, "exactly one agent crashed at the crash point");
  // Exactly one writable primary among the replicas, and the other follows it.
  const roles = await eventually(
    "one primary, one replica following it",
    async () => {
      const seen: { port: number; role: string; master_port: string | undefined }[] = [];
      for (const r of replicas) {
        const info = await (await redisClient(procs, r.port)).info("replication");
        seen.push({
          port: r.port,
          role: /role:(\w+)/.exec(info)?.[1] ?? "?",
          master_port: /master_port:(\d+)/.exec(info)?.[1],
        });
      }
      const masters = seen.filter((s) => s.role === "master");
      if (masters.length !== 1) return null;
      const follower = seen.find((s) => s.role === "slave");
      return follower?.master_port === String(masters[0]?.port) ? seen : null;
    },
    { timeout_ms: 3 * EVENT_TIMEOUT_MS, interval_ms: 200 },
  );
  assert.equal(roles.filter((r) => r.role === "master").length, 1);
}

void test("replica-priority 0 is never promoted", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      // The priority-0 replica is listed first and would otherwise win on priority order.
      replica_priorities: [0, 100],
    });
    const [primary, never, eligible] = cluster.redis;
    assert.ok(primary && never && eligible);
    await discovered(cluster);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const promoted = await cluster.waitForEvent((e) => e.name === "+promoted-slave", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.match(promoted.event.text, new RegExp(` ${eligible.port} @ `));
    assert.equal(
      cluster.named("+selected-slave", mark).filter((s) => s.event.text.includes(`:${never.port} `)).length,
      0,
      "the priority-0 replica was never selected",
    );
  });
});

void test("two masters monitored by the same agents fail over independently", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      masters: 2,
      replicas: 1,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    });
    const [a, b] = cluster.groups;
    assert.ok(a?.[0] && a[1] && b?.[0] && b[1]);
    await eventually(
      "both masters' replicas discovered",
      () =>
        Promise.resolve(new Set(cluster.named("+slave").map((s) => s.event.text)).size >= 2 ? true : null),
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, a[0].port), "SIGKILL");
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.equal(switched.event.master_name, a[0].master_name);
    assert.ok(
      cluster.events
        .slice(mark)
        .every((s) => s.event.master_name !== b[0]?.master_name || !s.event.name.includes("down")),
      "the other master saw no down event",
    );
    const mark_b = cluster.events.length;
    process.kill(await redisPid(procs, b[0].port), "SIGKILL");
    const switched_b = await cluster.waitForEvent(
      (e) => e.name === "+switch-master" && e.master_name === b[0]?.master_name,
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        since_index: mark_b,
      },
    );
    assert.equal(switched_b.event.text, `${b[0].master_name} 127.0.0.1 ${b[0].port} 127.0.0.1 ${b[1].port}`);
  });
});

void test("a hang (SIGSTOP) fails over after down-after; the resumed old primary accepts no write", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const pid = await redisPid(procs, primary.port);
    const mark = cluster.events.length;
    const stopped_ms = performance.now();
    process.kill(pid, "SIGSTOP");
    let resumed = false;
    t.after(() => {
      if (!resumed) process.kill(pid, "SIGCONT");
    });
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const sdown = cluster.named("+sdown", mark).find((s) => s.event.text.startsWith("master "));
    assert.ok(sdown, "+sdown of the master was seen");
    // A hang is not a crash: nothing may act before down-after (less one PING period of slack:
    // the last reply can predate the SIGSTOP by up to that much).
    assert.ok(sdown.received_ms - stopped_ms >= DOWN_AFTER_MS - 150, "SDOWN waited for down-after");
    assert.ok(switched.received_ms > sdown.received_ms);

    process.kill(pid, "SIGCONT");
    resumed = true;
    const client = await redisClient(procs, primary.port);
    let accepted = 0;
    const refusals = new Set<string>();
    for (let i = 0; i < 50; i++) {
      try {
        await client.set(`after-resume:${i}`, "lost?");
        accepted++;
      } catch (error) {
        refusals.add(String(error).split(" ")[0] ?? "?");
      }
    }
    assert.equal(
      accepted,
      0,
      `the resumed old primary accepted writes (refusals: ${[...refusals].join(", ")})`,
    );
    await cluster.waitForEvent(
      (e) => e.name === "+convert-to-slave" && e.text.includes(`:${primary.port} `),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        since_index: mark,
      },
    );
  });
});

void test("a manual failover (SENTINEL FAILOVER) under a steady writer loses no acknowledged write", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
    });
    const [primary] = cluster.redis;
    const [agent] = cluster.agents;
    assert.ok(primary && agent);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const sentinel = await redisClient(procs, agent.sentinel_port);
    const addressOf = async (): Promise<number> => {
      const reply = (await sentinel.call(
        "SENTINEL",
        "GET-MASTER-ADDR-BY-NAME",
        cluster.master_name,
      )) as string[];
      return Number(reply[1]);
    };

    // The writer: SET key:i on the primary the agents name; on any error ask again and retry the
    // same key. Every OK is an acknowledged write that must survive.
    const acked: string[] = [];
    const control = { stop: false };
    const writer = (async () => {
      let port = await addressOf();
      let client = await redisClient(procs, port);
      for (let i = 0; !control.stop && i < 1_000_000;) {
        try {
          await client.set(`key:${i}`, String(i));
          acked.push(`key:${i}`);
          i++;
        } catch {
          const next = await addressOf().catch(() => port);
          if (next !== port) {
            client.disconnect();
            port = next;
            client = await redisClient(procs, port);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      client.disconnect();
    })();
    await eventually("writer running", () => Promise.resolve(acked.length > 200 ? true : null), {
      timeout_ms: EVENT_TIMEOUT_MS,
      interval_ms: 20,
    });
    const mark = cluster.events.length;
    assert.equal(await sentinel.call("SENTINEL", "FAILOVER", cluster.master_name), "OK");
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const new_port = Number(switched.event.text.split(" ")[4]);
    const states = cluster.events.slice(mark).map((s) => s.event.name);
    assert.ok(states.includes("+failover-state-fence-old-master"), "the old primary was fenced first");
    assert.ok(
      states.indexOf("+failover-state-wait-catchup") < states.indexOf("+failover-state-send-slaveof-noone"),
      "the replica caught up before its promotion",
    );
    const before_switch = acked.length;
    await eventually(
      "writes continue on the new primary",
      () => Promise.resolve(acked.length > before_switch + 200 ? true : null),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        interval_ms: 20,
      },
    );
    control.stop = true;
    await writer;
    const check = await redisClient(procs, new_port);
    const missing: string[] = [];
    for (let i = 0; i < acked.length; i += 500) {
      const batch = acked.slice(i, i + 500);
      const values = await check.mget(...batch);
      batch.forEach((key, j) => {
        if (values[j] === null) missing.push(key);
      });
    }
    assert.deepEqual(
      missing.slice(0, 20),
      [],
      `${missing.length} of ${acked.length} acknowledged writes lost`,
    );
  });
});
