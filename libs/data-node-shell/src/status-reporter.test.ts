import assert from "node:assert/strict";
import { test } from "node:test";
import type { RedisInfo } from "@sentinel-plane/core";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import type { NodeStatusReport } from "@sentinel-plane/protocol";
import { decodeNodeStatus, spError } from "@sentinel-plane/protocol";
import type { ChildState, Observation } from "./report.js";
import { StatusReporter } from "./status-reporter.js";
import type { Healing } from "./status-reporter.js";
import { REPLICA_INFO } from "./test-support.js";

const replica = REPLICA_INFO;

function answered(info: RedisInfo = replica, fenced = false): Observation {
  return {
    answered: true,
    info,
    min_replicas_to_write: fenced ? FENCE_MARKER : 0,
    config_file: "",
    error: null,
  };
}

function failed(error: string): Observation {
  return { answered: false, info: null, min_replicas_to_write: null, config_file: null, error };
}

/** What the test sets (wall clock, child, epoch, healing) and what the reporter sent and logged. */
interface World {
  wall_ms: number;
  child: ChildState | null;
  epoch: AcceptedEpoch;
  healing: Healing | null;
  stopped: boolean;
  readonly sent: NodeStatusReport[];
  readonly logged: string[];
}

function harness(last_seq = 1000): { readonly h: World; readonly reporter: StatusReporter } {
  const h: World = {
    wall_ms: 50_000,
    child: { state: "running" },
    epoch: { epoch: 3, issuer: "agent-a" },
    healing: null,
    stopped: false,
    sent: [],
    logged: [],
  };
  const log = (fields: Record<string, unknown>): void => {
    h.logged.push(String(fields.event));
  };
  const reporter = new StatusReporter(
    { cluster_id: "c1", node_id: "n1", address: { host: "127.0.0.1", port: 7001 }, last_seq },
    {
      wall: { wall_now_ms: () => h.wall_ms },
      child: () => h.child,
      accepted: () => h.epoch,
      healing: () => h.healing,
      sink: {
        stopped: () => h.stopped,
        send: (status) => {
          h.sent.push(status);
        },
      },
      logger: { info: log, warn: log, error: log },
    },
  );
  return { h, reporter };
}

void test("reports are numbered after the seq it starts from; a reused seq is a bug; none once stopped", () => {
  const { h, reporter } = harness(1000);
  reporter.observe(answered());
  reporter.publishNow();
  reporter.publishNow();
  assert.deepEqual(
    h.sent.map((s) => s.seq),
    [1001, 1002],
  );
  const stale = reporter.next();
  reporter.publish(stale);
  assert.throws(() => {
    reporter.publish(stale);
  }, /seq must increase/);
  h.stopped = true;
  reporter.publishNow();
  assert.equal(h.sent.length, 3, "nothing sent once stopped");
  assert.equal(reporter.seq, 1003, "the seq stays where it was");
});

void test("published at once only on a significant change; offsets wait for the periodic report", () => {
  const { h, reporter } = harness();
  reporter.observe(answered());
  reporter.publishIfChanged();
  assert.equal(h.sent.length, 1, "the first report always goes out");
  reporter.observe(answered({ ...replica, master_repl_offset: 500, slave_repl_offset: 500 }));
  reporter.publishIfChanged();
  assert.equal(h.sent.length, 1, "an offset alone");
  reporter.observe(answered({ ...replica, master_link_status: "down" }));
  reporter.publishIfChanged();
  h.epoch = { epoch: 4, issuer: "agent-b" };
  reporter.publishIfChanged();
  assert.equal(h.sent.length, 3, "the link and a newly accepted epoch");
  assert.deepEqual(
    h.logged.filter((e) => e === "status_changed"),
    ["status_changed", "status_changed", "status_changed"],
  );
  reporter.publishNow();
  assert.equal(h.logged.filter((e) => e === "status_changed").length, 3, "a periodic report is not logged");
});

void test("probe failures are logged once each; the last error stays after recovery, the fence note before it", () => {
  const { h, reporter } = harness();
  reporter.observe(failed("connect ECONNREFUSED"));
  reporter.observe(failed("connect ECONNREFUSED"));
  reporter.observe(answered());
  assert.deepEqual(h.logged, ["probe_failed", "probe_recovered"]);
  assert.equal(reporter.next().last_error, "connect ECONNREFUSED");
  reporter.note("fenced (lease): no lease");
  assert.equal(reporter.next().last_error, "fenced (lease): no lease; connect ECONNREFUSED");
  reporter.error("redis-server exited (code 1, signal none)");
  reporter.note(null);
  assert.equal(reporter.next().last_error, "redis-server exited (code 1, signal none)");
});

void test("the link's down time runs on the wall clock from the first probe that saw it down", () => {
  const { h, reporter } = harness();
  reporter.observe(answered({ ...replica, master_link_status: "down" }));
  h.wall_ms += 1500;
  reporter.observe(answered({ ...replica, master_link_status: "down" }));
  h.wall_ms += 500;
  const status = reporter.next();
  assert.equal(status.link_down_ms, 2000);
  assert.equal(status.sent_at_ms, h.wall_ms);
  reporter.observe(answered());
  assert.equal(reporter.next().link_down_ms, null);
});

void test("an exited child wins over the last probe; a server started anew is unknown until probed", () => {
  const { h, reporter } = harness();
  reporter.observe(answered());
  h.child = { state: "exited", code: null, signal: "SIGKILL" };
  const exited = reporter.next();
  assert.deepEqual(exited.process, { state: "exited", code: null, signal: "SIGKILL" });
  assert.equal(exited.info, undefined);
  h.child = { state: "running" };
  reporter.serverStarted();
  assert.deepEqual(reporter.next().process, { state: "unknown" });
  assert.equal(reporter.next().supervised, true);
  h.child = null;
  assert.equal(reporter.next().supervised, false, "attach mode");
});

void test("the restarter's phase and data_lost join the report", () => {
  const { h, reporter } = harness();
  reporter.observe(answered());
  assert.equal(reporter.next().restart, undefined);
  h.healing = { data_lost: true, restart: { state: "held", exits_in_window: 2 } };
  const status = reporter.next();
  assert.deepEqual(status.restart, { state: "held", exits_in_window: 2 });
  assert.equal(status.data_lost, true);
  assert.equal(decodeNodeStatus(JSON.stringify(status)).ok, true);
  h.healing = { data_lost: false, restart: { state: "running", exits_in_window: 0 } };
  assert.equal(reporter.next().data_lost, undefined);
});

void test("a command's reply reads the last probe: role, offset, fenced; none is SP_ERR_REDIS_UNAVAILABLE", () => {
  const { h, reporter } = harness();
  reporter.observe(answered({ ...replica, role: "master", master_repl_offset: 4242 }, true));
  const promoted = reporter.reply("promote", ["REPLICAOF NO ONE"], false);
  assert.ok(promoted.ok);
  assert.equal(promoted.role, "master");
  assert.equal(promoted.offset, 4242);
  assert.equal(promoted.fenced, true);
  assert.equal(promoted.epoch, 3);
  assert.equal(promoted.status, undefined);
  assert.equal(h.sent.length, 0, "a reply without its status publishes nothing");
  const status = reporter.reply("status", [], true);
  assert.ok(status.ok && status.status !== undefined);
  assert.deepEqual(h.sent, [status.status], "a status handed out is also published");
  reporter.observe(failed("probe timed out"));
  const refused = reporter.reply("fence", [], false);
  assert.ok(!refused.ok);
  assert.equal(refused.code, "SP_ERR_REDIS_UNAVAILABLE");
  assert.match(refused.message, /probe timed out/);
});

void test("an operator command is answered without a role to report; refusals carry the held epoch", () => {
  const { h, reporter } = harness();
  h.child = { state: "exited", code: 1, signal: null };
  const reply = reporter.operatorReply("restart_reset", ["crash loop reset"]);
  assert.ok(reply.ok);
  assert.equal(reply.role, "slave");
  assert.equal(reply.offset, 0);
  assert.deepEqual(reply.done, ["crash loop reset"]);
  assert.deepEqual(h.sent, [reply.status], "published too");
  const refusal = reporter.refusal(spError("SP_ERR_STALE_EPOCH", [1, 3, "agent-a"]));
  assert.ok(!refusal.ok);
  assert.equal(refusal.epoch, 3);
  assert.equal(refusal.epoch_issuer, "agent-a");
  assert.equal(refusal.code, "SP_ERR_STALE_EPOCH");
});
