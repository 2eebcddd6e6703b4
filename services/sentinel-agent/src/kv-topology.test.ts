// KvTopology's operator changes (pause, resume, ack; libs/core maintenance.ts) against a real
// nats-server: read, change, compare-and-set, re-read on a conflict.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { connect } from "@nats-io/transport-node";
import type { TopologyRecord } from "@sentinel-plane/core";
import { createLogger, TOPOLOGY_BUCKET_DEFAULTS, TopologyStore } from "@sentinel-plane/runtime";
import { withProcesses } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import { KvTopology } from "./kv-topology.js";

const RECORD: TopologyRecord = {
  master_name: "m",
  config_epoch: 3,
  primary: { host: "127.0.0.1", port: 7001 },
  replicas: [{ host: "127.0.0.1", port: 7002 }],
  leader: "a".repeat(40),
  auto_failover_unix_ms: 1_780_000_000_000,
};

/** A logger that resolves `watching` once the store follows the bucket (no polling). */
function storeLogger(): { logger: ReturnType<typeof createLogger>; watching: Promise<void> } {
  let resolve: () => void = () => undefined;
  const watching = new Promise<void>((r) => {
    resolve = r;
  });
  const destination = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      if (chunk.toString("utf8").includes('"event":"topology_watching"')) resolve();
      done();
    },
  });
  return { logger: createLogger({ service: "test", level: "info", destination }), watching };
}

/** A KvTopology on a fresh nats-server (cluster `cluster_id`), its watch running and caught up. */
async function watchingTopology(t: TestContext, procs: Harness, cluster_id: string): Promise<KvTopology> {
  const nats = await procs.startNats({ auth: false });
  const nc = await connect({ servers: nats.url, timeout: 2000, reconnect: false });
  t.after(() => nc.close());
  const { logger, watching } = storeLogger();
  const store = new TopologyStore(
    nc,
    {
      cluster_id,
      bucket: TOPOLOGY_BUCKET_DEFAULTS,
      request_timeout_ms: 2000,
      masters: null,
      refresh_interval_ms: 0,
      retry_base_ms: 50,
      retry_max_ms: 400,
      under_replicated: "refuse",
    },
    logger,
  );
  const kv = new KvTopology(store, { on_invalid: () => undefined });
  const stop = kv.watch(() => undefined);
  t.after(stop);
  await watching;
  return kv;
}

void test("operator changes: written on the current revision, concurrent ones both kept, a stale ack refused", async (t) => {
  await withProcesses(t, async (procs) => {
    const kv = await watchingTopology(t, procs, "kvop");

    const absent = await kv.commitOperator("m", {
      kind: "pause",
      pause: { since_unix_ms: 1, until_unix_ms: 2, by: "t" },
    });
    assert.equal(absent.ok, false, "no record yet");

    const first = await kv.commit(RECORD, 0);
    assert.ok(first.ok);
    const pause = { since_unix_ms: 10, until_unix_ms: 20, by: "rest token:00 ip" };
    const ack = { failover_unix_ms: RECORD.auto_failover_unix_ms ?? 0, at_unix_ms: 11, by: "cli x@y" };
    // Two at once: one loses the compare-and-set, re-reads and writes on top of the other.
    const [paused, acked] = await Promise.all([
      kv.commitOperator("m", { kind: "pause", pause }),
      kv.commitOperator("m", { kind: "ack", ack }),
    ]);
    assert.ok(paused.ok && acked.ok, JSON.stringify([paused, acked]));
    const now = await kv.read("m");
    assert.ok(now !== null);
    assert.deepEqual(now.record.pause, pause);
    assert.deepEqual(now.record.ack, ack);
    assert.equal(now.record.config_epoch, 3, "the topology itself untouched");
    assert.deepEqual(now.record.primary, RECORD.primary);

    const stale = await kv.commitOperator("m", { kind: "ack", ack: { ...ack, failover_unix_ms: 5 } });
    assert.ok(!stale.ok);
    assert.equal(stale.code, "SP_ERR_ADMIN_REFUSED");
  });
});

void test("forget: the record goes only at the revision known; a create then starts the name afresh", async (t) => {
  await withProcesses(t, async (procs) => {
    const kv = await watchingTopology(t, procs, "kvforget");
    const first = await kv.commit(RECORD, 0);
    assert.ok(first.ok);
    const second = await kv.commit({ ...RECORD, config_epoch: 4 }, first.revision);
    assert.ok(second.ok);
    assert.equal(await kv.forget("m", first.revision), false, "a record written since stays");
    assert.equal((await kv.read("m"))?.record.config_epoch, 4);
    assert.equal(await kv.forget("m", second.revision), true);
    assert.equal(await kv.read("m"), null);
    assert.equal(await kv.forget("m", second.revision), true, "already gone (another agent's delete)");
    const again = await kv.commit(
      { ...RECORD, config_epoch: 0, primary: { host: "127.0.0.1", port: 7009 } },
      0,
    );
    assert.ok(again.ok, "a new MONITOR's first commit (create) succeeds on the deleted key");
    assert.deepEqual((await kv.read("m"))?.record.primary, { host: "127.0.0.1", port: 7009 });
  });
});
