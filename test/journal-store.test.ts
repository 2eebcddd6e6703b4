// The durable journals' store against real nats-servers: the stream is created with its limits
// (oldest records go first) and with 3 replicas on a JetStream cluster of 3; a record appended
// twice with one msg id is kept once; pages go newest first by stream sequence; while NATS is
// down appends wait in the bounded queue (the overflow dropped and counted) and go out after.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { journalStream } from "@sentinel-plane/protocol";
import { JOURNAL_LIMITS_DEFAULT, JournalStore } from "@sentinel-plane/runtime";
import type { JournalStoreOptions } from "@sentinel-plane/runtime";
import { withProcesses } from "@sentinel-plane/testkit";
import { LogLines } from "./support/log-lines.js";
import { eventually } from "./support/redis.js";

const WRITER = "a".repeat(40);

function options(cluster_id: string, overrides: Partial<JournalStoreOptions> = {}): JournalStoreOptions {
  return {
    cluster_id,
    kind: "audit",
    writer: WRITER,
    replicas: null,
    limits: { ...JOURNAL_LIMITS_DEFAULT, messages_max: 5 },
    request_timeout_ms: 1000,
    queue_max: 100,
    retry_base_ms: 50,
    retry_max_ms: 400,
    ...overrides,
  };
}

async function client(servers: string | string[]): Promise<NatsConnection> {
  return connect({
    servers,
    timeout: 2000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    waitOnFirstConnect: true,
    pingInterval: 1000,
    maxPingOut: 2,
  });
}

/** Every record's text, newest first, reading pages of `limit`. */
async function texts(store: JournalStore, limit: number): Promise<string[]> {
  const out: string[] = [];
  let before: number | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page = await store.page(before, limit, 100, () => true);
    out.push(...page.items.map((i) => new TextDecoder().decode(i.data)));
    if (page.next_before === null) return out;
    before = page.next_before;
  }
  throw new Error("too many pages");
}

/** Resolves once `check` holds (the store's counters: an observable state, polled). */
async function until(what: string, check: () => boolean, timeout_ms: number): Promise<void> {
  await eventually(what, () => Promise.resolve(check() ? true : null), { timeout_ms, interval_ms: 20 });
}

void test("journal: bounded stream, one record per msg id, pages newest first", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats({ auth: false });
    const nc = await client(nats.url);
    t.after(() => nc.close());
    const logs = new LogLines("journal");
    const store = new JournalStore(nc, options("j1"), logs.logger);
    t.after(() => {
      store.stop();
    });
    for (let i = 1; i <= 7; i++) store.append({ msg_id: `m${i}`, data: `record ${i}` });
    store.append({ msg_id: "m7", data: "record 7 again" }); // a retried append: stored once
    await until("all appended", () => store.health().pending === 0, 10_000);
    assert.deepEqual(store.health().dropped, 0);
    const info = await (await jetstreamManager(nc)).streams.info(journalStream("j1", "audit"));
    assert.equal(info.config.max_msgs, 5);
    assert.equal(info.config.num_replicas, 1, "one server: one replica");
    assert.equal(info.state.messages, 5, "the oldest went first");
    assert.deepEqual(await texts(store, 2), ["record 7", "record 6", "record 5", "record 4", "record 3"]);
    const first = await store.page(null, 2, 100, () => true);
    assert.deepEqual(
      first.items.map((i) => i.seq),
      [7, 6],
    );
    assert.equal(first.next_before, 6);
    // A filter that accepts nothing scans at most scan_max sequences and says where it stopped.
    const none = await store.page(null, 2, 3, () => false);
    assert.deepEqual(none, { items: [], next_before: 5 });
  });
});

void test("journal: appends wait for NATS (bounded: the overflow is dropped and counted)", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats({ auth: false });
    const nc = await client(nats.url);
    t.after(() => nc.close());
    const logs = new LogLines("journal");
    const store = new JournalStore(nc, options("j2", { queue_max: 2 }), logs.logger);
    t.after(() => {
      store.stop();
    });
    store.append({ msg_id: "before", data: "before the outage" });
    await until("first appended", () => store.health().appended === 1, 10_000);
    await nats.stop(200);
    for (const n of [1, 2, 3]) store.append({ msg_id: `during-${n}`, data: `during ${n}` });
    assert.equal(store.health().dropped, 1, "queue of 2: the oldest of 3 dropped");
    assert.ok(
      logs.lines.some((l) => l["event"] === "journal_record_dropped" && l["reason"] === "queue full"),
    );
    await nats.restart(200);
    await until("appended after the outage", () => store.health().appended === 3, 20_000);
    assert.deepEqual(await texts(store, 10), ["during 3", "during 2", "before the outage"]);
  });
});

void test("journal: 3 replicas on a JetStream cluster of 3, as the topology bucket", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await procs.startNatsCluster(3, { auth: false });
    const nc = await client(cluster.urls);
    t.after(() => nc.close());
    const logs = new LogLines("journal");
    const store = new JournalStore(nc, options("j3", { kind: "history" }), logs.logger);
    t.after(() => {
      store.stop();
    });
    store.append({ msg_id: "x", data: "replicated" });
    await until("appended", () => store.health().appended === 1, 20_000);
    const info = await (await jetstreamManager(nc)).streams.info(journalStream("j3", "history"));
    assert.equal(info.config.num_replicas, 3);
    assert.equal(info.cluster?.replicas?.length, 2, "placed on the leader and two peers");
  });
});
