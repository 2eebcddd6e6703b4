// The rolling restart of docs/DEPLOY.md ("Upgrades and rolling restarts"), real processes, under
// writes: every agent, one at a time, each back and agreeing before the next; then every
// data-node, the replicas' first and the primary's last. Stopping the primary's data-node runs
// its zero-loss switchover (services/data-node README, "Switchover on shutdown"), so the one
// topology change of the whole procedure is that planned switchover: no +sdown or +odown of the
// primary, no failover, and every acknowledged write is on the final primary and its replicas.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { AgentNode, Cluster, Harness, RedisNode } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { eventually, missingKeys, redisClient } from "./support/redis.js";
import { clientsFor, Writer } from "./support/writer.js";

/** Writes each step must see acknowledged before the next (the writes go on throughout). */
const WRITES_PER_STEP = 100;
/** The primary's data-node waits for its switchover up to this, then stops anyway. */
const SWITCHOVER_TIMEOUT_MS = 15_000;

/** A Sentinel reply's flat field/value list as a map. */
function fieldMap(reply: readonly string[]): Map<string, string> {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(reply[i] ?? "", reply[i + 1] ?? "");
  return fields;
}

/** `SENTINEL MASTER <name>` of one agent as a field map. */
async function masterView(procs: Harness, agent: AgentNode, name: string): Promise<Map<string, string>> {
  const client = await redisClient(procs, agent.sentinel_port);
  try {
    return fieldMap((await client.call("SENTINEL", "MASTER", name)) as string[]);
  } finally {
    client.disconnect();
  }
}

/**
 * The procedure's health check after an agent restart: /readyz answers 200 and every agent names
 * the same primary, healthy, with both replicas and both other agents known.
 */
async function agentsAgree(cluster: Cluster, primary_port: number): Promise<void> {
  await eventually(
    "agents ready and agreeing",
    async () => {
      for (const agent of cluster.agents) {
        const ready = await fetch(`http://127.0.0.1:${agent.rest_port}/readyz`, {
          signal: AbortSignal.timeout(2000),
        });
        if (ready.status !== 200) return null;
        const view = await masterView(cluster.procs, agent, cluster.master_name);
        const ok =
          view.get("port") === String(primary_port) &&
          view.get("flags") === "master" &&
          view.get("num-slaves") === "2" &&
          view.get("num-other-sentinels") === "2";
        if (!ok) return null;
      }
      return true;
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
  );
}

/**
 * After a replica's restart, the procedure's health check before the next step: every agent lists
 * it in `SENTINEL REPLICAS` without s_down. Going on while an agent still had it down let that
 * agent report its own stale +sdown against it once the primary's switchover promoted it (CI,
 * 2026-12-05: "+sdown master", cleared 40 ms later).
 */
async function replicaHealthyForAgents(cluster: Cluster, port: number): Promise<void> {
  await eventually(
    `replica ${port} healthy for every agent`,
    async () => {
      for (const agent of cluster.agents) {
        const client = await redisClient(cluster.procs, agent.sentinel_port);
        try {
          const replicas = (await client.call("SENTINEL", "REPLICAS", cluster.master_name)) as string[][];
          const entry = replicas.map(fieldMap).find((fields) => fields.get("port") === String(port));
          if (entry === undefined || (entry.get("flags") ?? "").includes("s_down")) return null;
        } finally {
          client.disconnect();
        }
      }
      return true;
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
  );
}

/** After a data-node restart: its Redis replicates from the primary again, link up. */
async function replicating(cluster: Cluster, node: RedisNode, primary_port: number): Promise<void> {
  const client = await redisClient(cluster.procs, node.port);
  try {
    await eventually(
      `${node.node_id} replicating from ${primary_port}`,
      async () => {
        const info = await client.info("replication");
        return info.includes("role:slave") &&
          info.includes(`master_port:${primary_port}`) &&
          info.includes("master_link_status:up")
          ? true
          : null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
  } finally {
    client.disconnect();
  }
}

void test("rolling restart under writes: every agent, then every data-node (primary's last): no failover, 0 acknowledged writes lost", async (t) => {
  await withProcesses(t, async (procs) => {
    const started_ms = performance.now();
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      data_node_config: { shutdown_switchover_timeout_ms: SWITCHOVER_TIMEOUT_MS },
    });
    const [primary, ...replicas] = cluster.redis;
    assert.ok(primary && replicas.length === 2);
    await discovered(cluster);
    await writable(cluster, primary.port);
    await agentsAgree(cluster, primary.port);

    const writer = new Writer();
    writer.start(
      await clientsFor(
        procs,
        cluster.redis.map((node) => node.port),
      ),
    );
    await writer.ackedBy(primary.port, WRITES_PER_STEP);
    const mark = cluster.events.length;
    const steps: string[] = [];
    const step = async (what: string, run: () => Promise<void>): Promise<void> => {
      const t0 = performance.now();
      await run();
      steps.push(`${what} ${Math.round(performance.now() - t0)} ms`);
    };

    // 1. Agents, one at a time: each back, ready and agreeing before the next.
    for (const agent of cluster.agents) {
      await step(`agent-${agent.index}`, async () => {
        await cluster.restartAgent(agent);
        await agentsAgree(cluster, primary.port);
        await writer.ackedBy(primary.port, WRITES_PER_STEP);
      });
    }
    assert.deepEqual(cluster.named("+switch-master", mark), [], "agent restarts changed nothing");

    // 2. data-nodes: the replicas' first, each replicating again before the next.
    for (const replica of replicas) {
      await step(replica.node_id, async () => {
        await cluster.restartDataNode(replica);
        await replicating(cluster, replica, primary.port);
        await replicaHealthyForAgents(cluster, replica.port);
        await writer.ackedBy(primary.port, WRITES_PER_STEP);
      });
    }
    assert.deepEqual(cluster.named("+switch-master", mark), [], "replica restarts changed nothing");

    // 3. The primary's data-node last: SIGTERM switches over (zero loss), then it comes back as a
    // replica of the new primary.
    let new_primary_port = 0;
    await step(`${primary.node_id} (primary)`, async () => {
      const switched = cluster.waitForEvent((e) => e.name === "+switch-master", {
        timeout_ms: SWITCHOVER_TIMEOUT_MS + EVENT_TIMEOUT_MS,
        since_index: mark,
      });
      await cluster.restartDataNode(primary, SWITCHOVER_TIMEOUT_MS + 5000);
      const text = (await switched).event.text;
      new_primary_port = Number(text.split(" ").at(-1));
      assert.ok(
        replicas.some((r) => r.port === new_primary_port),
        `a replica was promoted: ${text}`,
      );
      await replicating(cluster, primary, new_primary_port);
      await writer.ackedBy(new_primary_port, WRITES_PER_STEP);
    });
    await agentsAgree(cluster, new_primary_port);
    await writer.stop();

    // No failover: the primary was never down for any agent; one switch, the planned one.
    const names = (name: string): string[] => cluster.named(name, mark).map((s) => s.event.text);
    assert.deepEqual(names("+odown"), [], "no agent saw the primary objectively down");
    assert.deepEqual(
      names("+sdown").filter((text) => text.startsWith("master ")),
      [],
      "no agent saw the primary subjectively down",
    );
    const switches = new Set(names("+switch-master"));
    assert.equal(switches.size, 1, `one switch-master (every agent reports it): ${[...switches].join("; ")}`);

    // Every acknowledged write is on the new primary, and on both replicas once they caught up.
    const final_primary = await redisClient(procs, new_primary_port);
    const lost = await missingKeys(final_primary, writer.acked);
    assert.deepEqual(lost, [], `${lost.length} of ${writer.acked.length} acknowledged writes lost`);
    for (const node of cluster.redis.filter((n) => n.port !== new_primary_port)) {
      const client = await redisClient(procs, node.port);
      await eventually(
        `${node.node_id} has every acknowledged write`,
        async () => ((await missingKeys(client, writer.acked)).length === 0 ? true : null),
        { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 200 },
      );
    }
    t.diagnostic(
      `rolling restart: ${steps.join(", ")}; ${writer.acked.length} acknowledged writes, 0 lost; ` +
        `whole test ${Math.round((performance.now() - started_ms) / 1000)} s`,
    );

    // Teardown without waiting out a switchover: agents first, then the data-nodes stop at once
    // (no agent answers their switchover request).
    await Promise.all(cluster.agents.map((agent) => agent.process.stop(5000)));
    await Promise.all(cluster.redis.map((node) => node.dataNode.stop(10_000)));
  });
});
