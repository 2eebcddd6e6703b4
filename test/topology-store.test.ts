// The shared topology store against real nats-servers: it creates the bucket with the intended
// settings, refuses (coded) a bucket with too few replicas on a server that cannot raise them,
// writes with compare-and-set, and its watch resumes after the nats-server restarts under it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { topologyBucket } from "@sentinel-plane/protocol";
import { TOPOLOGY_BUCKET_DEFAULTS, TopologyStore } from "@sentinel-plane/runtime";
import type { TopologyRead, TopologyStoreOptions } from "@sentinel-plane/runtime";
import { withProcesses } from "@sentinel-plane/testkit";
import { LogLines } from "./support/log-lines.js";

const AGENT_ID = "a".repeat(40);

function recordText(master_name: string, config_epoch: number, port: number): string {
  return JSON.stringify({
    v: 1,
    type: "topology",
    master_name,
    config_epoch,
    primary: { host: "127.0.0.1", port },
    replicas: [],
    leader: AGENT_ID,
  });
}

function options(cluster_id: string, overrides: Partial<TopologyStoreOptions> = {}): TopologyStoreOptions {
  return {
    cluster_id,
    bucket: TOPOLOGY_BUCKET_DEFAULTS,
    request_timeout_ms: 1000,
    masters: null,
    refresh_interval_ms: 500,
    retry_base_ms: 50,
    retry_max_ms: 400,
    under_replicated: "refuse",
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

/** Resolves with the first delivered read that `match` accepts. */
function delivered(
  reads: { master: string; read: TopologyRead }[],
  subscribe: (f: () => void) => void,
  match: (master: string, read: TopologyRead) => boolean,
): Promise<TopologyRead> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const hit = reads.find((r) => match(r.master, r.read));
      if (hit !== undefined) resolve(hit.read);
      return hit !== undefined;
    };
    if (!check()) subscribe(() => void check());
  });
}

void test("creates the bucket once with its settings, writes compare-and-set, refuses too few replicas", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats({ auth: false }); // the store, not NATS users, is under test
    const nc = await client(nats.url);
    t.after(() => nc.close());
    const logs = new LogLines("test");
    const store = new TopologyStore(nc, options("ts1"), logs.logger);
    t.after(() => {
      store.stop();
    });
    const reads: { master: string; read: TopologyRead }[] = [];
    const listeners: (() => void)[] = [];
    store.start((master, read) => {
      reads.push({ master, read });
      for (const f of listeners) f();
    });
    const created = await logs.event("topology_bucket_created", 10_000);
    assert.equal(created["replicas"], 1, "a lone server: 1 replica");
    await logs.event("topology_watching", 10_000);
    assert.equal(store.health().watching, true);
    const info = await (await jetstreamManager(nc)).streams.info(`KV_${topologyBucket("ts1")}`);
    assert.equal(info.config.num_replicas, 1);
    assert.equal(info.config.max_msgs_per_subject, TOPOLOGY_BUCKET_DEFAULTS.history);
    assert.equal(info.config.storage, "file");

    const first = await store.commit("m", recordText("m", 1, 7001), 0);
    assert.ok(first.ok);
    const again = await store.commit("m", recordText("m", 1, 7002), 0);
    assert.equal(again.ok, false, "create of an existing key refused");
    assert.equal(again.current?.kind, "record", "the refusal reports what is there");
    const stale = await store.commit("m", recordText("m", 2, 7003), first.revision + 5);
    assert.equal(stale.ok, false, "an update on a wrong revision refused");
    const next = await store.commit("m", recordText("m", 2, 7003), first.revision);
    assert.ok(next.ok);
    const seen = await delivered(
      reads,
      (f) => listeners.push(f),
      (_m, r) => r.revision === next.revision,
    );
    assert.equal(seen.kind === "record" ? seen.record.primary.port : 0, 7003);

    // A bucket someone created with 1 replica, opened by a store configured for 3 on a lone
    // server (which cannot hold 3): reported with both figures, refused with its code.
    await new Kvm(nc).create(topologyBucket("ts2"), { history: 5, replicas: 1 });
    const logs3 = new LogLines("test");
    const strict = new TopologyStore(
      nc,
      options("ts2", { bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: 3 } }),
      logs3.logger,
    );
    t.after(() => {
      strict.stop();
    });
    strict.start(() => undefined);
    const under = await logs3.event("topology_bucket_under_replicated", 10_000);
    assert.equal(under["replicas_configured"], 3);
    assert.equal(under["replicas_actual"], 1);
    const retry = await logs3.event("topology_watch_retry", 10_000).catch((e: unknown) => {
      console.log(JSON.stringify(logs3.lines));
      throw e;
    });
    assert.equal(retry["code"], "SP_ERR_TOPOLOGY_UNDER_REPLICATED");
    const health = strict.health();
    assert.equal(health.under_replicated, true);
    assert.equal(health.watching, false);
    assert.equal(health.last_error?.code, "SP_ERR_TOPOLOGY_UNDER_REPLICATED");
    const refused = await strict.commit("m", recordText("m", 1, 7001), 0);
    assert.equal(refused.ok, false, "no write through a refused bucket");

    // A reader follows it anyway, flagged.
    const logs4 = new LogLines("test");
    const reader = new TopologyStore(
      nc,
      options("ts2", { bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: 3 }, under_replicated: "follow" }),
      logs4.logger,
    );
    t.after(() => {
      reader.stop();
    });
    reader.start(() => undefined);
    await logs4.event("topology_watching", 10_000);
    assert.equal(reader.health().watching, true);
    assert.equal(reader.health().under_replicated, true);
    assert.equal(reader.health().replicas_actual, 1);
  });
});

void test("the watch resumes after the nats-server restarts under it", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats({ auth: false }); // the store, not NATS users, is under test
    const nc = await client(nats.url);
    t.after(() => nc.close());
    const logs = new LogLines("test");
    const store = new TopologyStore(nc, options("ts3", { masters: ["m"] }), logs.logger);
    t.after(() => {
      store.stop();
    });
    const reads: { master: string; read: TopologyRead }[] = [];
    const listeners: (() => void)[] = [];
    store.start((master, read) => {
      reads.push({ master, read });
      for (const f of listeners) f();
    });
    await logs.event("topology_watching", 10_000);
    const first = await store.commit("m", recordText("m", 1, 7001), 0);
    assert.ok(first.ok);
    await delivered(
      reads,
      (f) => listeners.push(f),
      (_m, r) => r.revision === first.revision,
    );

    await nats.restart(200);
    // Another client writes after the restart: the store must see it, through a resumed (or
    // restarted) watch, or at worst through its periodic read.
    const writer = await client(nats.url);
    t.after(() => writer.close());
    const kv = await new Kvm(writer).open(topologyBucket("ts3"));
    const revision = await kv.update("m", recordText("m", 2, 7002), first.revision);
    const seen = await delivered(
      reads,
      (f) => listeners.push(f),
      (_m, r) => r.revision === revision,
    );
    assert.equal(seen.kind === "record" ? seen.record.config_epoch : 0, 2);
    const during = logs.lines.filter((l) => l["event"] === "topology_watch_retry");
    for (const line of during)
      assert.equal(typeof line["wait_ms"], "number", "every retry logs its back-off");
    // The store is following again (the watch restarted, or never ended).
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (store.health().watching) resolve();
        else setTimeout(poll, 50);
      };
      poll();
    });
  });
});

void test("the safety-net refresh reads the keys only when the bucket moved past what the watch delivered", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats({ auth: false }); // the store, not NATS users, is under test
    const nc = await client(nats.url);
    t.after(() => nc.close());
    const logs = new LogLines("test");
    const store = new TopologyStore(nc, options("ts4", { refresh_interval_ms: 100 }), logs.logger);
    t.after(() => {
      store.stop();
    });
    const reads: { master: string; read: TopologyRead }[] = [];
    const listeners: (() => void)[] = [];
    store.start((master, read) => {
      reads.push({ master, read });
      for (const f of listeners) f();
    });
    await logs.event("topology_watching", 10_000);
    let last_revision = 0;
    for (const name of ["m1", "m2", "m3"]) {
      const done = await store.commit(name, recordText(name, 1, 7001), 0);
      assert.ok(done.ok);
      last_revision = done.revision;
    }
    await delivered(
      reads,
      (f) => listeners.push(f),
      (_m, r) => r.revision === last_revision,
    );
    // The JetStream API requests every client sends are seen by any subscriber of the subject.
    const stream = `KV_${topologyBucket("ts4")}`;
    let gets = 0;
    let statuses = 0;
    // Five refresh periods (one bucket status read each), or the first key read.
    await new Promise<void>((resolve) => {
      const count = (what: "get" | "status") => () => {
        if (what === "get") gets += 1;
        else statuses += 1;
        if (gets > 0 || statuses >= 5) resolve();
      };
      const subs = [
        nc.subscribe(`$JS.API.DIRECT.GET.${stream}.>`, { callback: count("get") }),
        nc.subscribe(`$JS.API.STREAM.MSG.GET.${stream}`, { callback: count("get") }),
        nc.subscribe(`$JS.API.STREAM.INFO.${stream}`, { callback: count("status") }),
      ];
      t.after(() => {
        for (const sub of subs) sub.unsubscribe();
      });
    });
    assert.equal(gets, 0, "nothing changed since the watch's last entry: no key read");
  });
});
