// Self-fencing with real redis-server, nats-server and data-node processes: a newer committed
// topology, a hung primary that resumes, and a primary cut off from NATS. In each case the old
// primary refuses writes (-NOREPLICAS) without any agent command, and stays fenced until an
// agent's command of the current epoch changes it.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { connect as connectTcp } from "node:net";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { topologyBucket } from "@sentinel-plane/protocol";
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import { parseLogRecord, withProcesses } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import {
  CLUSTER,
  dataNodeNats,
  grantLeases,
  natsClient,
  putTopology,
  sendCommand,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";

function freshClient(procs: Harness, port: number): Redis {
  const client = createRedisClient({
    host: "127.0.0.1",
    port,
    connection_name: "self-fence-test",
    connect_timeout_ms: 2000,
    command_timeout_ms: 5000,
    retry_base_ms: 50,
    retry_max_ms: 200,
  });
  procs.onCleanup(() => {
    client.disconnect();
  });
  return client;
}

/** Sends `count` SETs at once (pipelined) and returns each outcome: "OK" or the error text. */
async function writeBurst(client: Redis, prefix: string, count: number): Promise<string[]> {
  const outcomes = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => client.set(`${prefix}:${i}`, "lost?")),
  );
  return outcomes.map((o) => (o.status === "fulfilled" ? o.value : String(o.reason)));
}

function assertAllRefused(outcomes: readonly string[], what: string): void {
  const accepted = outcomes.filter((o) => !/NOREPLICAS/.test(o));
  assert.deepEqual(accepted, [], `${what}: ${accepted.length} of ${outcomes.length} not refused`);
}

void test("committed_epoch: a newer record naming another primary fences the master without a command", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const old_primary = await procs.startRedis({
      name: "old-primary",
      config_lines: ["min-replicas-to-write 0"],
    });
    const new_primary = await procs.startRedis({ name: "new-primary" });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "c1");
    const dn = await startDataNode(procs, "c1", {
      mode: "attach",
      master_name: "mymaster",
      nats: await dataNodeNats(nats, "c1"),
      redis: { port: old_primary.port },
      lease_ms: 0, // no agents grant a write lease here; the lease has its own test
    });
    // With NATS authorization a data-node only reads the bucket: its attempts to create it are
    // refused (retried with back-off) until an agent (here the test) creates it; then it watches.
    await dn.service.waitForLog((l) => l["event"] === "topology_watch_retry", { timeout_ms: 10000 });
    const status = await (
      await new Kvm(jetstream(nc, { timeout: 5000 })).create(topologyBucket(CLUSTER), {
        history: 5,
        storage: "file",
      })
    ).status();
    assert.equal(status.history, 5);
    await dn.service.waitForLog((l) => l["event"] === "topology_watching", { timeout_ms: 15000 });

    await watcher.waitFor((r) => r.info?.role === "master" && !r.fenced, { timeout_ms: 10000 });
    const accepted = await sendCommand(nc, "c1", 2, "agent-a", { type: "unfence" });
    assert.ok(accepted.ok && accepted.epoch === 2, JSON.stringify(accepted));
    const client = await old_primary.client();

    // An older record does not fence: a newer leader may be promoting this node.
    const old_revision = await putTopology(nc, 1, { host: new_primary.host, port: new_primary.port });
    await dn.service.waitForLog((l) => l["event"] === "topology_observed" && l["revision"] === old_revision, {
      timeout_ms: 10000,
    });
    assert.equal(await client.set("before", "kept"), "OK");

    // A newer one naming another primary: fenced at once, the epoch recorded.
    const since = watcher.mark();
    const put_at = performance.now();
    await putTopology(nc, 5, { host: new_primary.host, port: new_primary.port });
    const fenced = await watcher.waitFor((r) => r.fenced, { timeout_ms: 10000, since });
    t.diagnostic(`fenced report ${(fenced.at_ms - put_at).toFixed(1)} ms after the record was put`);
    // The epoch is written beside the fence, not before it (the self-fence does not wait for its
    // state write: loop.ts #fenceAnswering), and a probe's error may stand in last_error for a
    // report, so the first fenced report may still carry epoch 2 or that error (CI, 2026-12-05:
    // "2 !== 5", then "Stream isn't writeable"); a later one names epoch 5, no issuer, and why.
    const recorded = await watcher.waitFor(
      (r) =>
        r.fenced &&
        r.epoch === 5 &&
        /fenced \(committed_epoch\): committed config epoch 5/.test(r.last_error ?? ""),
      { timeout_ms: 10000, since },
    );
    assert.equal(recorded.report.epoch_issuer, null);
    assertAllRefused(await writeBurst(client, "after", 20), "writes after the record");
    const log = await dn.service.waitForLog((l) => l["event"] === "fenced", { timeout_ms: 5000 });
    assert.equal(log["reason"], "committed_epoch");

    // An older epoch's command is refused and changes nothing.
    const stale = await sendCommand(nc, "c1", 4, "agent-a", { type: "unfence" });
    assert.ok(!stale.ok && stale.code === "SP_ERR_STALE_EPOCH", JSON.stringify(stale));
    assertAllRefused(await writeBurst(client, "stale", 5), "writes after a stale unfence");

    // The current epoch's +convert-to-slave is accepted (from whichever agent sends it first).
    const converted = await sendCommand(nc, "c1", 5, "agent-b", {
      type: "replicaof",
      host: new_primary.host,
      port: new_primary.port,
    });
    assert.ok(converted.ok && converted.role === "slave", JSON.stringify(converted));
    assert.equal(converted.epoch_issuer, "agent-b");
  });
});

void test("hang: a fence queued while the primary is stopped runs before the writes of later clients", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const redis = await procs.startRedis({ name: "hung-primary", config_lines: ["min-replicas-to-write 0"] });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "h1");
    const dn = await startDataNode(procs, "h1", {
      mode: "attach",
      nats: await dataNodeNats(nats, "h1"),
      redis: { port: redis.port },
      hang_fence_after_ms: 500,
    });
    await watcher.waitFor((r) => r.info?.role === "master" && !r.fenced, { timeout_ms: 10000 });
    assert.equal(await (await redis.client()).set("before", "kept"), "OK");

    const log_mark = dn.service.lineCount();
    const stopped_at = performance.now();
    redis.kill("SIGSTOP");
    // Stands for "the agents failed over": from here on no write may be accepted.
    const queued = await dn.service.waitForLog((l) => l["event"] === "fence_queued", {
      timeout_ms: 5000,
      since: log_mark,
    });
    t.diagnostic(`fence queued ${(performance.now() - stopped_at).toFixed(1)} ms after SIGSTOP`);
    assert.equal(queued["reason"], "hang");

    // A client that connects and writes while the server is still stopped: its writes wait in
    // the socket buffer too (RESP inline commands on a raw socket, no ready check).
    const raw = connectTcp({ host: "127.0.0.1", port: redis.port });
    procs.onCleanup(() => {
      raw.destroy();
    });
    let replies = "";
    raw.setEncoding("utf8");
    raw.on("data", (chunk: string) => {
      replies += chunk;
    });
    const raw_count = 20;
    const raw_done = new Promise<void>((resolve, reject) => {
      raw.on("data", () => {
        if (replies.split("\r\n").length > raw_count) resolve();
      });
      raw.on("error", reject);
    });
    await new Promise<void>((resolve) => raw.once("connect", resolve));
    raw.write(Array.from({ length: raw_count }, (_, i) => `SET raw:${i} lost?\r\n`).join(""));

    redis.kill("SIGCONT");
    const client = freshClient(procs, redis.port);
    await client.connect();
    const burst = await writeBurst(client, "burst", 50);
    await raw_done;
    assertAllRefused(burst, "fresh client's burst right after SIGCONT");
    const raw_replies = replies.split("\r\n").filter((line) => line !== "");
    assert.equal(raw_replies.length, raw_count);
    assertAllRefused(raw_replies, "writes sent while the server was stopped");
    assert.equal(await client.get("before"), "kept");

    const fenced = await dn.service.waitForLog((l) => l["event"] === "fenced", {
      timeout_ms: 5000,
      since: log_mark,
    });
    assert.equal(fenced["reason"], "hang");
    // The queued fence survived because the data-node kept its connection through the stop.
    const events = (await readFile(dn.service.process.log_path, "utf8"))
      .split("\n")
      .map((line) => parseLogRecord(line)?.["event"]);
    assert.ok(events.includes("fence_queued"));
    assert.ok(!events.includes("redis_disconnected"), "the data-node's redis connection was not dropped");
    const report = await watcher.waitFor((r) => r.fenced && r.process.state === "running", {
      timeout_ms: 5000,
    });
    assert.match(report.report.last_error ?? "", /fenced \(hang\)/);
  });
});

void test("lease: a primary whose majority stops granting is fenced after lease_ms; a lease back lifts it", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const redis = await procs.startRedis({
      name: "isolated-primary",
      config_lines: ["min-replicas-to-write 0"],
    });
    const nc = await natsClient(procs, nats);
    const grants = grantLeases(nc, "l1", ["a".repeat(40), "b".repeat(40)]);
    await nc.flush();
    const watcher = new StatusWatcher(nc, "l1");
    const lease_ms = 500;
    const dn = await startDataNode(procs, "l1", {
      mode: "attach",
      master_name: "mymaster",
      nats: await dataNodeNats(nats, "l1", { reconnect_wait_ms: 100, reconnect_jitter_ms: 0 }),
      redis: { port: redis.port },
      lease_ms,
    });
    await watcher.waitFor((r) => r.info?.role === "master" && !r.fenced, { timeout_ms: 10000 });
    const accepted = await sendCommand(nc, "l1", 3, "agent-a", { type: "unfence" });
    assert.ok(accepted.ok, JSON.stringify(accepted));
    const client = await redis.client();
    assert.equal(await client.set("before", "kept"), "OK");

    // NATS still reachable, but the agents stop vouching (they lost the primary): fenced.
    const log_mark = dn.service.lineCount();
    grants.set(false);
    const stopped_at = performance.now();
    const fenced = await dn.service.waitForLog((l) => l["event"] === "fenced", {
      timeout_ms: 5000,
      since: log_mark,
    });
    t.diagnostic(
      `fenced ${(performance.now() - stopped_at).toFixed(1)} ms after the grants stopped (lease ${lease_ms} ms)`,
    );
    assert.equal(fenced["reason"], "lease");
    assertAllRefused(await writeBurst(client, "isolated", 20), "writes without a lease");
    const still = await watcher.waitFor((r) => r.fenced, { timeout_ms: 5000, since: watcher.mark() });
    assert.match(still.report.last_error ?? "", /fenced \(lease\)/);

    // A majority grants again at the accepted epoch: the node lifts its own lease fence.
    grants.set(true);
    await dn.service.waitForLog((l) => l["event"] === "unfenced" && l["reason"] === "lease", {
      timeout_ms: 5000,
      since: log_mark,
    });
    assert.equal(await client.set("after", "accepted"), "OK");
    const clean = await watcher.waitFor((r) => !r.fenced, { timeout_ms: 5000, since: watcher.mark() });
    assert.doesNotMatch(clean.report.last_error ?? "", /fenced/);
  });
});
