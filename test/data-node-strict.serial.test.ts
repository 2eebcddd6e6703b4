// The data-node's opt-in strict mode end to end (issue 13 item 2): nats-server, a primary and two
// replicas with data-nodes configured with `min_replicas_max_lag_ms: 100`, three agents, real
// processes on loopback. Both replicas are SIGSTOPped (they acknowledge nothing any more): the
// primary's data-node fences it (writes refused with NOREPLICAS), the agents' `+unfence-master`
// is refused while no replica has the writes, and after SIGCONT the data-node lifts its own fence.
// The writes acknowledged after the stop (lost, had the primary died then) are printed: the
// measured window belongs in README ("Strict mode"), not in an assertion.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";

const MAX_LAG_MS = 100;

void test("strict mode: a primary whose replicas stop acknowledging is fenced, and unfenced when they are back", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      master_name: "strictmaster",
      data_node_config: { min_replicas_max_lag_ms: MAX_LAG_MS, min_replicas: 1 },
    });
    const [primary, r1, r2] = cluster.redis;
    assert.ok(primary && r1 && r2);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = await redisClient(procs, primary.port);
    // Writable for a while with healthy replicas (strict mode covers every heartbeat).
    await eventually(
      "writes accepted with the replicas healthy",
      async () => {
        await writer.set("healthy", "1"); // rejects while fenced
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );

    const replica_pids = [await redisPid(procs, r1.port), await redisPid(procs, r2.port)];
    const acks: number[] = [];
    let refused_at: number | null = null;
    const stop_ms = performance.now();
    for (const pid of replica_pids) process.kill(pid, "SIGSTOP");
    try {
      for (let i = 0; refused_at === null && performance.now() - stop_ms < EVENT_TIMEOUT_MS; i += 1) {
        try {
          await writer.set(`strict:${i}`, "v");
          acks.push(performance.now() - stop_ms);
        } catch (error) {
          assert.match(String(error), /NOREPLICAS/);
          refused_at = performance.now() - stop_ms;
        }
      }
      assert.ok(refused_at !== null, "the primary was fenced");
      console.log(
        `strict mode ${MAX_LAG_MS} ms: ${acks.length} writes acknowledged after the replicas stopped, ` +
          `the last ${(acks.at(-1) ?? 0).toFixed(0)} ms after; writes refused from ${refused_at.toFixed(0)} ms`,
      );
      // An agent sees the healthy primary fenced and tries to lift it: the data-node refuses.
      const mark = cluster.events.length;
      await cluster.waitForEvent(
        (e) => e.name === "+unfence-master" && e.text.includes(` ${primary.port} `),
        {
          timeout_ms: EVENT_TIMEOUT_MS,
          since_index: mark,
        },
      );
      await assert.rejects(writer.set("still-fenced", "v"), /NOREPLICAS/);
    } finally {
      for (const pid of replica_pids) process.kill(pid, "SIGCONT");
    }
    await eventually(
      "writes accepted again once a replica is in sync",
      async () => {
        await writer.set("after", "1"); // rejects while fenced
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    assert.equal(cluster.named("+switch-master").length, 0, "no failover: the primary was healthy");
  });
});
