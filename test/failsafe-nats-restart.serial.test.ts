// Failsafe under a real nats-server restart (issue 15; libs/core data-node lease-channel.ts): a
// local cluster on one nats-server, a writer on the primary. The nats-server is stopped for 2 s
// and started again, three times: while the agents answer on their REST port, the primary's
// data-node renews its write lease there and no write is refused (before failsafe: 2.6-2.8 s of
// NOREPLICAS each time). Then the same stop with every agent stopped too (SIGSTOP: nobody
// answers): the data-node fences its primary on the lease, as before, and lifts the fence once the
// agents and NATS are back.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { eventually, redisClient } from "./support/redis.js";
import { PrimaryWriter } from "./support/writer.js";

/** How long nats-server stays down (the figure). */
const NATS_DOWN_MS = 2000;
const RESTARTS = 3;
/** Writes after the restart that must succeed before the next one (the writer is running). */
const WRITES_BETWEEN = 50;

async function natsDown(cluster: Cluster): Promise<void> {
  await cluster.nats.stop(1000);
}

async function natsUp(cluster: Cluster): Promise<void> {
  assert.equal(await cluster.nats.launch(), "ready");
}

void test("nats-server stopped 2 s under writes: no write refused while the agents answer directly; cut from both, the primary fences", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS, failsafe: true });
    const primary = cluster.redis[0];
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = new PrimaryWriter();
    writer.start(await redisClient(procs, primary.port));
    // Stopped on every path: a failed assertion must not leave the loop writing.
    t.after(() => writer.stop());
    await writer.acked(WRITES_BETWEEN);

    const outages: number[] = [];
    for (let run = 1; run <= RESTARTS; run++) {
      const from = writer.attempts.length;
      await natsDown(cluster);
      // The fault lasts this long: a duration, not a wait for an event.
      await new Promise((resolve) => setTimeout(resolve, NATS_DOWN_MS));
      await natsUp(cluster);
      await writer.acked(WRITES_BETWEEN);
      const { refused, longest_ms } = writer.outage(from);
      outages.push(longest_ms);
      console.log(`run ${run}: ${refused.length} writes refused, write outage ${longest_ms} ms`);
      assert.deepEqual(refused, [], `run ${run}: no write refused while the agents answer directly`);
    }
    console.log(
      `nats-server down ${NATS_DOWN_MS} ms, ${RESTARTS} runs: write outage ${outages.join(", ")} ms`,
    );

    // Cut from both: no NATS and no agent answering. The lease runs out and the primary fences.
    const from = writer.attempts.length;
    await natsDown(cluster);
    for (const agent of cluster.agents) agent.process.kill("SIGSTOP");
    try {
      await eventually(
        "the primary fenced (NOREPLICAS)",
        () =>
          Promise.resolve(
            writer.attempts.slice(from).some((a) => a.error?.includes("NOREPLICAS")) ? true : null,
          ),
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 20 },
      );
    } finally {
      for (const agent of cluster.agents) agent.process.kill("SIGCONT");
    }
    await natsUp(cluster);
    await writer.acked(WRITES_BETWEEN); // the lease returns and the node lifts its own fence
    await writer.stop();
  });
});
