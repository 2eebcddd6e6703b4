// A data-node that starts and finds its redis-server gone, last seen running as a master (both
// killed: the data-node with -9, its server by its watchdog at the lease's end or with the host).
// Started at once as configured, that server came back as the committed primary with an older
// dataset, and its replicas fully resynced from it: 281 acknowledged writes lost in
// `npm run faults -- --shapes data-node-restart-in-failover` (issue 13). It is planned as the
// crash it is (restart-plan.ts): not started while the committed topology names it, then started
// as the replica of the primary committed after it. A clean stop is no crash (commands.test.ts
// restarts a master's data-node with SIGTERM: its server starts again at once as a master).
import assert from "node:assert/strict";
import { test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { topologyBucket } from "@sentinel-plane/protocol";
import { withProcesses } from "@sentinel-plane/testkit";
import {
  CLUSTER,
  connectedRedis,
  crashDataNode,
  dataNodeNats,
  gone,
  natsClient,
  putTopology,
  respawnDataNode,
  sendCommand,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";

/** The bucket, created by the test as an agent would (a data-node may only read it). */
async function createBucket(nc: NatsConnection): Promise<void> {
  await new Kvm(jetstream(nc, { timeout: 5000 })).create(topologyBucket(CLUSTER), {
    history: 5,
    storage: "file",
  });
}

void test("a crashed master's server is not started as the committed primary, then follows the next one", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const prepared = await procs.prepareRedis({ name: "crashed" });
    const next_primary = await procs.startRedis({ name: "next-primary" });
    const nc = await natsClient(procs, nats);
    const self = { host: "127.0.0.1", port: prepared.port };
    await createBucket(nc);
    await putTopology(nc, 1, self);
    const watcher = new StatusWatcher(nc, "k1");
    const dn = await startDataNode(procs, "k1", {
      mode: "supervise",
      redis_config_path: prepared.config_path,
      master_name: "mymaster",
      nats: await dataNodeNats(nats, "k1"),
      redis: { port: prepared.port },
      lease_ms: 0, // no agents grant a lease here: the watchdog's kill is done by the test
    });
    const started = await dn.service.waitForLog((l) => l["event"] === "redis_started", { timeout_ms: 10000 });
    const redis_pid = Number(started["pid"]);
    procs.adoptPid(redis_pid);
    await dn.service.waitForLog((l) => l["event"] === "running_role_saved" && l["role"] === "master", {
      timeout_ms: 10000,
    });

    await crashDataNode(dn);
    process.kill(redis_pid, "SIGKILL");
    await gone(redis_pid, 10000);
    const since = watcher.mark();
    await respawnDataNode(procs, dn);
    const waiting = await dn.service.waitForLog((l) => l["event"] === "restart_waits_for_primary", {
      timeout_ms: 10000,
    });
    assert.ok(typeof waiting["until_ms"] === "number");
    await watcher.waitFor((r) => r.process.state === "exited" && r.restart?.state === "waiting_for_primary", {
      timeout_ms: 10000,
      since,
    });
    // The committed record (epoch 1) names this node: no server may start meanwhile.
    await dn.service.waitForLog((l) => l["event"] === "topology_observed" && l["config_epoch"] === 1, {
      timeout_ms: 10000,
    });
    assert.equal(/"event":"redis_(started|restarting)"/.test(dn.service.process.logs()), false);

    // Another primary committed: the server starts at once, as its replica.
    await putTopology(nc, 2, { host: next_primary.host, port: next_primary.port });
    const restarting = await dn.service.waitForLog((l) => l["event"] === "redis_restarting", {
      timeout_ms: 10000,
    });
    assert.equal(restarting["as"], "replica_of");
    const replica = await watcher.waitFor(
      (r) => r.info?.role === "slave" && r.info.master_port === next_primary.port,
      { timeout_ms: 10000, since },
    );
    assert.equal(replica.report.process.state, "running");
    const restarted = await dn.service.waitForLog((l) => l["event"] === "redis_started", {
      timeout_ms: 1000,
    });
    procs.adoptPid(Number(restarted["pid"]));
  });
});

void test("a crashed master that had keys and comes back empty stays held: never a master to resync from", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const prepared = await procs.prepareRedis({ name: "reborn-empty" }); // no RDB, no AOF
    const nc = await natsClient(procs, nats);
    const self = { host: "127.0.0.1", port: prepared.port };
    await createBucket(nc);
    await putTopology(nc, 1, self);
    const watcher = new StatusWatcher(nc, "k2");
    const dn = await startDataNode(procs, "k2", {
      mode: "supervise",
      redis_config_path: prepared.config_path,
      master_name: "mymaster",
      nats: await dataNodeNats(nats, "k2"),
      redis: { port: prepared.port },
      lease_ms: 0,
      restart_primary_wait_ms: 500, // no other primary comes: held soon
    });
    const started = await dn.service.waitForLog((l) => l["event"] === "redis_started", { timeout_ms: 10000 });
    const redis_pid = Number(started["pid"]);
    procs.adoptPid(redis_pid);
    const client = await connectedRedis(procs, prepared.port, "crashed-primary-test");
    await dn.service.waitForLog((l) => l["event"] === "running_role_saved" && l["role"] === "master", {
      timeout_ms: 10000,
    });
    // Unfenced as an agent would the committed primary, then a key: had_keys is saved.
    const unfenced = await sendCommand(nc, "k2", 2, "agent-a", { type: "unfence" });
    assert.ok(unfenced.ok, JSON.stringify(unfenced));
    assert.equal(await client.set("kept", "1"), "OK");
    await dn.service.waitForLog((l) => l["event"] === "running_role_saved" && l["had_keys"] === true, {
      timeout_ms: 10000,
    });
    client.disconnect();

    await crashDataNode(dn);
    process.kill(redis_pid, "SIGKILL");
    await gone(redis_pid, 10000);
    const since = watcher.mark();
    await respawnDataNode(procs, dn);
    const restarting = await dn.service.waitForLog((l) => l["event"] === "redis_restarting", {
      timeout_ms: 10000,
    });
    assert.equal(restarting["as"], "held");
    const restarted = await dn.service.waitForLog((l) => l["event"] === "redis_started", {
      timeout_ms: 1000,
    });
    procs.adoptPid(Number(restarted["pid"]));
    const empty = await dn.service.waitForLog((l) => l["event"] === "empty_after_restart", {
      timeout_ms: 10000,
    });
    assert.equal(empty["held"], true);
    const held = await watcher.waitFor((r) => r.data_lost === true, { timeout_ms: 10000, since });
    assert.equal(held.report.restart?.state, "held");
    assert.equal(held.report.info?.role, "slave", "held: a replica of its own address, no master");
  });
});
