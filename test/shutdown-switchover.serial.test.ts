// Switchover on planned shutdown (issue 18, item 2), real processes: SIGTERM to the primary's
// data-node under writes runs a zero-loss switchover before redis-server stops. A writer records
// every acknowledged key; all of them must be on the new primary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { missingKeys, redisClient } from "./support/redis.js";
import { clientsFor, Writer } from "./support/writer.js";

void test("SIGTERM of the primary's data-node under writes: switchover first, 0 acknowledged writes lost", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      replica_priorities: [50, 100],
      data_node_config: { shutdown_switchover_timeout_ms: 15_000 },
    });
    const [primary, best] = cluster.redis;
    assert.ok(primary && best);
    await discovered(cluster);
    await writable(cluster, primary.port);

    const writer = new Writer();
    writer.start(
      await clientsFor(
        procs,
        cluster.redis.map((node) => node.port),
      ),
    );
    await writer.ackedBy(primary.port, 200);
    const mark = cluster.events.length;
    const since = primary.dataNode.lineCount();

    const exit = await primary.dataNode.stop(20_000);
    assert.equal(exit.code, 0, "the data-node stopped by itself, within the grace");
    const done = await primary.dataNode.waitForLog((r) => r["event"] === "shutdown_switchover_done", {
      timeout_ms: 1000,
      since,
    });
    assert.deepEqual(done["primary"], { host: "127.0.0.1", port: best.port });
    const switched = await cluster.waitForEvent(
      (e) => e.name === "+switch-master" && e.text.endsWith(` ${best.port}`),
      { timeout_ms: EVENT_TIMEOUT_MS, since_index: mark },
    );
    assert.ok(switched);
    await writer.ackedBy(best.port, 200);
    await writer.stop();

    const client = await redisClient(procs, best.port);
    const missing = await missingKeys(client, writer.acked);
    assert.deepEqual(missing, [], `${missing.length} of ${writer.acked.length} acknowledged writes lost`);
    assert.ok(writer.acked.length >= 400);
    t.diagnostic(
      `switchover before stop: ${String(done["elapsed_ms"])} ms from SIGTERM to another committed primary; ` +
        `${writer.acked.length} acknowledged writes, 0 lost`,
    );

    // The same planned stop through the API: the replica's data-node just stops (exit 0).
    const other = cluster.redis[2];
    assert.ok(other);
    const rest_port = cluster.agents[0]?.rest_port ?? 0;
    const response = await fetch(
      `http://127.0.0.1:${rest_port}/v1/masters/${cluster.master_name}/nodes/127.0.0.1:${other.port}/shutdown`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${REST_TOKEN_DEFAULT}` },
        signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
      },
    );
    assert.equal(response.status, 200, await response.text());
    const other_exit = await other.dataNode.exited;
    assert.equal(other_exit.code, 0);
    // Agents first: the new primary's data-node then stops at once at teardown (no agent answers
    // its switchover request) instead of outliving the harness's grace and leaving its server.
    await Promise.all(cluster.agents.map((agent) => agent.process.stop(5000)));
    // With no agent left, the new primary's data-node stops without waiting out its timeout.
    const best_since = best.dataNode.lineCount();
    const best_exit = await best.dataNode.stop(20_000);
    assert.equal(best_exit.code, 0);
    await best.dataNode.waitForLog((r) => r["event"] === "shutdown_switchover_no_agents", {
      timeout_ms: 1000,
      since: best_since,
    });
  });
});
