// Agents and data-nodes on a JetStream cluster of 3 nats-servers (issue 15): the topology bucket
// is created with 3 replicas (the cluster's size), and a kill -9 of the server leading the
// bucket's stream during steady state costs nothing: no write on the primary is refused (its
// data-node keeps its lease through another server or the agents' REST port), a failover
// (SIGKILL of the primary's redis-server) afterwards still completes and commits, and the bucket
// stays at 3 replicas. The same kill in the middle of a failover (after +elected-leader) does not
// stop it either.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Kvm } from "@nats-io/kv";
import { decodeTopologyRecord, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import { discovered, EVENT_TIMEOUT_MS, THREE_AGENTS, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";
import { PrimaryWriter } from "./support/writer.js";

/** Writes on the primary after the kill that must succeed (the writer is running). */
const WRITES_AFTER_KILL = 100;

void test("NATS cluster of 3: kill -9 of the bucket's leader, then a failover completes; 3 replicas kept", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS, nats_cluster: 3, failsafe: true });
    const nats = cluster.nats_cluster;
    assert.ok(nats !== null);
    const [primary, ...replicas] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const writer = new PrimaryWriter();
    writer.start(await redisClient(procs, primary.port));
    await writer.acked(WRITES_AFTER_KILL);

    const stream = `KV_${topologyBucket(cluster.cluster_id)}`;
    const before = await nats.waitForStreamLeader(stream, EVENT_TIMEOUT_MS);
    assert.equal(before.num_replicas, 3, "created with the cluster's size (auto)");
    assert.equal(before.replicas.length, 2, "a leader and two followers");

    // Steady state: kill -9 the server that leads the bucket's stream.
    const leader = nats.byName(before.leader);
    leader.kill("SIGKILL");
    await leader.stop(1000); // reaped: the cluster helper no longer counts it as running
    const from = writer.attempts.length;
    const after_kill = await nats.waitForStreamLeader(stream, EVENT_TIMEOUT_MS);
    assert.notEqual(after_kill.leader, before.leader);
    assert.equal(after_kill.num_replicas, 3);
    await writer.acked(WRITES_AFTER_KILL);
    await writer.stop();
    const outage = writer.outage(from);
    t.diagnostic(
      `bucket leader killed: ${outage.refused.length} writes refused, longest ${outage.longest_ms} ms`,
    );
    assert.deepEqual(outage.refused, [], "no write refused on the primary");

    // A failover on the two servers left.
    const started_ms = performance.now();
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const promoted = await eventually(
      "one of the replicas promoted, the other following it",
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
        const only = masters[0];
        if (masters.length !== 1 || only === undefined) return null;
        return seen.every((s) => s.port === only.port || s.master_port === String(only.port))
          ? only.port
          : null;
      },
      { timeout_ms: 3 * EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
    // The new primary is committed in the bucket (compare-and-set through 2 of 3 servers).
    const kv = await new Kvm(cluster.nc).open(topologyBucket(cluster.cluster_id));
    const committed = await eventually(
      "the new primary committed",
      async () => {
        const entry = await kv.get(topologyKey(cluster.master_name));
        if (entry === null) return null;
        const decoded = decodeTopologyRecord(entry.value);
        return decoded.ok && decoded.value.primary.port === promoted ? decoded.value : null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
    const failover_ms = Math.round(performance.now() - started_ms);
    t.diagnostic(
      `failover with one NATS server down: new primary ${promoted} committed after ${failover_ms} ms`,
    );
    assert.ok(committed.config_epoch > 0);
    const client = await redisClient(procs, promoted);
    await eventually(
      "the new primary writable",
      async () => {
        await client.set("after-failover", "1");
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    const end = await nats.waitForStreamLeader(stream, EVENT_TIMEOUT_MS);
    assert.equal(end.num_replicas, 3, "the bucket stays at 3 replicas");
    t.diagnostic(`stream ${stream}: leader ${end.leader}, ${end.num_replicas} replicas`);
  });
});

void test("NATS cluster of 3: kill -9 of the bucket's leader during a failover (after +elected-leader): it completes", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS, nats_cluster: 3, failsafe: true });
    const nats = cluster.nats_cluster;
    assert.ok(nats !== null);
    const [primary, ...replicas] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const stream = `KV_${topologyBucket(cluster.cluster_id)}`;
    const before = await nats.waitForStreamLeader(stream, EVENT_TIMEOUT_MS);

    const since_index = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    await cluster.waitForEvent((e) => e.name === "+elected-leader", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index,
    });
    const leader = nats.byName(before.leader);
    leader.kill("SIGKILL");
    await leader.stop(1000);

    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: 3 * EVENT_TIMEOUT_MS,
      since_index,
    });
    const promoted = replicas.find((r) => switched.event.text.endsWith(` ${r.port}`));
    assert.ok(promoted, `+switch-master names a replica: ${switched.event.text}`);
    const client = await redisClient(procs, promoted.port);
    await eventually(
      "the new primary writable",
      async () => {
        await client.set("after-failover", "1");
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    const end = await nats.waitForStreamLeader(stream, EVENT_TIMEOUT_MS);
    assert.notEqual(end.leader, before.leader);
    assert.equal(end.num_replicas, 3, "the bucket keeps its 3 replicas");
    t.diagnostic(`failover done with the bucket's leader killed in it: new primary ${promoted.port}`);
  });
});
