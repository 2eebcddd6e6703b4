// Real redis-server, nats-server and data-node processes: role changes, epochs, malformed
// commands, fencing, and a restarted data-node that still refuses an old epoch.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import type { Redis } from "@sentinel-plane/runtime";
import {
  dataNodeNats,
  natsClient,
  restartDataNode,
  sendCommand,
  sendRaw,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";

/** A write on a client whose connection a role change may have killed: reconnects once. */
/**
 * SET on a client whose connection a role change may just have killed (CLIENT KILL TYPE normal):
 * retried while ioredis reconnects, bounded in attempts.
 */
async function setWithReconnect(client: Redis, key: string, value: string): Promise<string | null> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.set(key, value);
    } catch (error) {
      if (attempt >= 100 || !/closed|writeable|max retries/i.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

void test("replicaof, promote, stale epochs, malformed commands, restart keeps the epoch", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const primary = await procs.startRedis({ name: "primary", password: "pw" });
    const node = await procs.startRedis({
      name: "node",
      password: "pw",
      masterauth: "pw",
      config_lines: ["min-replicas-to-write 0"],
    });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "n1");
    const dn = await startDataNode(procs, "n1", {
      mode: "attach",
      nats: await dataNodeNats(nats, "n1", { reconnect_wait_ms: 100 }),
      redis: { port: node.port, password: "pw" },
    });
    await watcher.waitFor((r) => r.process.state === "running" && r.info?.role === "master", {
      timeout_ms: 10000,
    });

    // replicaof: data written on the primary is read on the replica; the status matches.
    const replied = await sendCommand(nc, "n1", 1, "agent-a", {
      type: "replicaof",
      host: primary.host,
      port: primary.port,
    });
    assert.ok(replied.ok, JSON.stringify(replied));
    assert.equal(replied.role, "slave");
    assert.ok(
      replied.done.some((d) => d.startsWith("REPLICAOF 127.0.0.1")),
      JSON.stringify(replied),
    );
    assert.ok(replied.done.includes("CONFIG REWRITE"), "the server has a config file");
    await node.waitForSync(10000);
    const p = await primary.client();
    await p.set("k1", "from-primary");
    assert.equal(await p.wait(1, 5000), 1);
    const r = await node.client();
    assert.equal(await r.get("k1"), "from-primary");
    const primaryOffset = Number(/master_repl_offset:(\d+)/.exec(await p.info("replication"))?.[1]);
    const synced = await watcher.waitFor(
      (s) =>
        s.info?.role === "slave" &&
        s.info.master_link_status === "up" &&
        s.info.master_port === primary.port &&
        s.info.slave_repl_offset === primaryOffset,
      { timeout_ms: 5000 },
    );
    assert.equal(synced.report.info?.master_repl_offset, primaryOffset);
    assert.equal(synced.report.link_down_ms, null);
    assert.equal(synced.report.epoch, 1);

    // promote: the node accepts writes.
    const promoted = await sendCommand(nc, "n1", 2, "agent-a", { type: "promote" });
    assert.ok(promoted.ok && promoted.role === "master", JSON.stringify(promoted));
    assert.equal(await setWithReconnect(r, "k2", "on-new-primary"), "OK");
    assert.match(await (await node.client()).config("GET", "replicaof").then(String), /replicaof,?$/i);

    // A stale epoch is refused and changes nothing.
    const stale = await sendCommand(nc, "n1", 1, "agent-a", {
      type: "replicaof",
      host: primary.host,
      port: primary.port,
    });
    assert.ok(!stale.ok && stale.code === "SP_ERR_STALE_EPOCH", JSON.stringify(stale));
    assert.equal(stale.epoch, 2);
    const after = await node.client();
    assert.match(await after.info("replication"), /role:master/);
    assert.equal(await after.set("k3", "still-writable"), "OK");
    assert.equal(await after.get("k2"), "on-new-primary");

    // The same epoch from another issuer is a conflict.
    const conflict = await sendCommand(nc, "n1", 2, "agent-b", { type: "fence" });
    assert.ok(!conflict.ok && conflict.code === "SP_ERR_EPOCH_CONFLICT", JSON.stringify(conflict));
    assert.equal(await after.set("k4", "not-fenced"), "OK");

    // Malformed commands get a clear coded error; the data-node keeps serving.
    const notJson = await sendRaw(nc, "n1", "{oops");
    assert.ok(!notJson.ok && notJson.code === "SP_ERR_MALFORMED_MESSAGE" && /not JSON/.test(notJson.message));
    const badPort = await sendRaw(
      nc,
      "n1",
      JSON.stringify({
        v: 1,
        type: "node_command",
        epoch: 3,
        issuer: "agent-a",
        command: { type: "replicaof", host: "h", port: 0 },
      }),
    );
    assert.ok(
      !badPort.ok && badPort.message === "malformed message: /command/port: must be >= 1",
      JSON.stringify(badPort),
    );
    const badVersion = await sendRaw(nc, "n1", JSON.stringify({ v: 9, type: "node_command" }));
    assert.ok(!badVersion.ok && badVersion.code === "SP_ERR_UNSUPPORTED_VERSION");
    await dn.service.waitForLog((l) => l["event"] === "malformed_command" && l["count"] === 3, {
      timeout_ms: 5000,
    });
    const status = await sendCommand(nc, "n1", 0, "anyone", { type: "status" });
    assert.ok(status.ok && status.role === "master" && status.status?.epoch === 2, JSON.stringify(status));

    // A restarted data-node still refuses the old epoch (persisted before executing).
    const code = await restartDataNode(procs, dn);
    assert.equal(code, 0, "clean shutdown on SIGTERM");
    const again = await sendCommand(nc, "n1", 1, "agent-a", {
      type: "replicaof",
      host: primary.host,
      port: primary.port,
    });
    assert.ok(!again.ok && again.code === "SP_ERR_STALE_EPOCH", JSON.stringify(again));
    assert.match(await (await node.client()).info("replication"), /role:master/);
  });
});

void test("fence refuses writes with NOREPLICAS, reads work; unfence restores", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const redis = await procs.startRedis({ name: "fenced", config_lines: ["min-replicas-to-write 0"] });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "f1");
    await startDataNode(procs, "f1", {
      mode: "attach",
      nats: await dataNodeNats(nats, "f1"),
      redis: { port: redis.port },
    });
    await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 10000 });
    const client = await redis.client();
    await client.set("k", "v");

    const fenced = await sendCommand(nc, "f1", 5, "agent-a", { type: "fence" });
    assert.ok(fenced.ok && fenced.fenced, JSON.stringify(fenced));
    await assert.rejects(client.set("k", "w"), /NOREPLICAS/);
    assert.equal(await client.get("k"), "v");
    await watcher.waitFor((r) => r.fenced, { timeout_ms: 5000 });
    const again = await sendCommand(nc, "f1", 5, "agent-a", { type: "fence" });
    assert.ok(again.ok && again.done.includes("already fenced"));

    const unfenced = await sendCommand(nc, "f1", 6, "agent-a", { type: "unfence" });
    assert.ok(unfenced.ok && !unfenced.fenced, JSON.stringify(unfenced));
    assert.equal(await client.set("k", "w"), "OK");
    assert.deepEqual(await client.config("GET", "min-replicas-to-write"), ["min-replicas-to-write", "0"]);
    await watcher.waitFor((r) => !r.fenced && r.epoch === 6, { timeout_ms: 5000 });

    // promote lifts a fence in the same transaction as the role change.
    await sendCommand(nc, "f1", 7, "agent-a", { type: "fence" });
    await assert.rejects(client.set("k", "x"), /NOREPLICAS/);
    const promoted = await sendCommand(nc, "f1", 8, "agent-a", { type: "promote" });
    assert.ok(promoted.ok && !promoted.fenced && promoted.role === "master", JSON.stringify(promoted));
    const fresh = await redis.client();
    assert.equal(await fresh.set("k", "x"), "OK");
  });
});
