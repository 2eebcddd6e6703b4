import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { commandWanted } from "./commands.js";
import { ABORT_UNFENCE_ATTEMPTS_MAX, stuckFenceMs } from "./reconcile.js";
import { switchoverTimeoutMs } from "./switchover.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  R2,
  eventNames,
  eventTexts,
  masterInfo,
  replicaInfo,
  sends,
} from "./test-support.js";
import type { Address, AdminCommand, Effect, NodeCommand, NodeCommandResult, RedisInfo } from "./types.js";

type CommandEffect = Extract<Effect, { type: "node_command" }>;

function commands(effects: readonly Effect[], type?: NodeCommand["type"]): CommandEffect[] {
  return effects.flatMap((e) =>
    e.type === "node_command" && (type === undefined || e.command.type === type) ? [e] : [],
  );
}

function same(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port;
}

function admin(h: Harness, command: AdminCommand): Extract<Effect, { type: "admin_reply" }> {
  const effects = h.input({ type: "admin", now_ms: h.now_ms, command, request_id: 3 });
  const reply = effects.find((e) => e.type === "admin_reply");
  assert.ok(reply?.type === "admin_reply");
  return reply;
}

function result(h: Harness, command: CommandEffect, outcome: NodeCommandResult): Effect[] {
  return h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: command.command_id,
    result: outcome,
  });
}

/** Answers the INFO probes of `target` among `effects` with `info`. */
function answerInfo(h: Harness, effects: readonly Effect[], target: Address, info: RedisInfo): Effect[] {
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.type !== "probe" || e.kind !== "info" || !same(e.target, target)) continue;
    out.push(
      ...h.input({
        type: "probe_result",
        now_ms: h.now_ms,
        probe_id: e.probe_id,
        target,
        result: { kind: "info", ok: true, info },
      }),
    );
  }
  return out;
}

let report_seq = 0;

/** A data-node report about `address`. */
function report(h: Harness, address: Address, info: RedisInfo, fenced: boolean, epoch: number): Effect[] {
  report_seq += 1;
  return h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: `${address.host}:${address.port}`,
      address,
      supervised: true,
      process: { state: "running" },
      info,
      fenced,
      epoch,
      seq: report_seq,
    },
  });
}

/** Three agents, primary and replicas healthy; a manual failover elected at epoch 1. */
function electedSwitchover(to?: Address): { h: Harness; effects: Effect[] } {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  const reply = admin(h, { type: "failover", name: "mymaster", ...(to === undefined ? {} : { to }) });
  assert.equal(reply.ok, true, reply.message);
  const effects = h.peer({
    type: "vote_reply",
    from: PEERS[0],
    master_name: "mymaster",
    epoch: 1,
    leader: ME,
    leader_epoch: 1,
    lease_grant_age_ms: null,
  });
  return { h, effects };
}

/** The switchover up to the fence's reply (offset 1500). */
function fenced(): { h: Harness; effects: Effect[]; fence: CommandEffect } {
  const elected = electedSwitchover();
  const fence = commands(elected.effects, "fence")[0];
  assert.ok(fence !== undefined);
  const effects = result(elected.h, fence, { ok: true, role: "master", offset: 1500 });
  return { h: elected.h, effects, fence };
}

void test("a manual failover with a reachable primary fences it first, with the failover epoch", () => {
  const { h, effects } = electedSwitchover();
  const names = eventNames(effects);
  assert.deepEqual(names.slice(names.indexOf("+elected-leader")), [
    "+elected-leader",
    "+failover-state-select-slave",
    "+selected-slave",
    "+failover-state-fence-old-master",
  ]);
  assert.ok(
    eventTexts(effects).includes("+failover-state-fence-old-master master mymaster 10.0.0.1 6379 #epoch 1"),
  );
  const sent = commands(effects);
  assert.equal(sent.length, 1, "only the fence goes out");
  const fence = sent[0];
  assert.ok(fence !== undefined && fence.command.type === "fence");
  assert.deepEqual(fence.target, PRIMARY);
  assert.equal(fence.epoch, 1);
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "fence-old-primary");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("promotion waits until the chosen replica reached the fenced primary's offset", () => {
  const { h, effects } = fenced();
  assert.ok(
    eventTexts(effects).some((t) => t.startsWith("+failover-state-wait-catchup slave 10.0.0.2:6379")),
  );
  assert.ok(eventTexts(effects).some((t) => t.endsWith("#offset 1500")));
  const asked = effects.filter((e) => e.type === "probe" && e.kind === "info" && same(e.target, R1));
  assert.equal(asked.length, 1, "INFO of the replica is asked at once");
  const behind = answerInfo(h, asked, R1, replicaInfo(R1, { slave_repl_offset: 1499 }));
  assert.equal(commands(behind, "promote").length, 0);
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "wait-catchup");
  // The next tick polls the replica again; now it has caught up.
  const tick = h.advance(100);
  const caught = answerInfo(h, tick, R1, replicaInfo(R1, { slave_repl_offset: 1500 }));
  const promote = commands(caught, "promote")[0];
  assert.ok(promote !== undefined, "promoted once caught up");
  assert.deepEqual(promote.target, R1);
  assert.equal(promote.epoch, 1);
  assert.deepEqual(eventNames(caught), [
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
  ]);
  // Promotion, commit: the old primary is reconfigured at once, before the other replica.
  const promoted = result(h, promote, { ok: true, role: "master", offset: 1500 });
  const commit = promoted.find((e) => e.type === "commit_topology");
  assert.ok(commit?.type === "commit_topology");
  const done = h.input({ type: "commit_result", now_ms: h.now_ms, commit_id: commit.commit_id, ok: true });
  assert.ok(eventNames(done).includes("+switch-master"));
  const replicaof = commands(done, "replicaof");
  assert.equal(replicaof.length, 1, "parallel-syncs 1");
  assert.deepEqual(replicaof[0]?.target, PRIMARY);
  assert.deepEqual(replicaof[0].command, { type: "replicaof", host: R1.host, port: R1.port });
  assert.equal(replicaof[0].epoch, 1);
});

void test("a replica reporting the offset while replicating another primary does not count", () => {
  const { h, effects } = fenced();
  const elsewhere = replicaInfo(R1, { slave_repl_offset: 99_999, master_host: "10.0.0.8" });
  assert.equal(commands(answerInfo(h, effects, R1, elsewhere), "promote").length, 0);
});

void test("no catch-up in time: abort, unfence with the same epoch, nothing promoted", () => {
  const { h } = fenced();
  const bound_ms = switchoverTimeoutMs(h.state, h.state.masters.get("mymaster") ?? assert.fail());
  assert.equal(bound_ms, 4000);
  const effects = h.live(bound_ms + 200, true); // replicas keep reporting offset 900
  assert.ok(eventNames(effects).includes("-failover-abort-catchup-timeout"));
  const unfence = commands(effects, "unfence");
  assert.equal(unfence.length, 1);
  assert.deepEqual(unfence[0]?.target, PRIMARY);
  assert.equal(unfence[0].epoch, 1);
  assert.equal(commands(h.log, "promote").length, 0);
  const view = masterView(h.state, "mymaster");
  assert.equal(view?.failover_state, "none");
  assert.deepEqual(view.address, PRIMARY);
  assert.equal(view.config_epoch, 0);
  // The unfence's reply was lost: the primary still reports the fence at epoch 1. Repeated, but
  // not before a fix period.
  h.meetPeers();
  const at_once = report(h, PRIMARY, masterInfo([R1, R2]), true, 1);
  assert.equal(commands(at_once, "unfence").length, 0);
  const again = h.live(1000, true);
  assert.equal(commands(again, "unfence")[0]?.epoch, 1);
  assert.ok(eventTexts(again).includes("+unfence-master master mymaster 10.0.0.1 6379 #epoch 1"));
  // Once the report shows it lifted, nothing more is sent.
  const lifted = [...report(h, PRIMARY, masterInfo([R1, R2]), false, 1), ...h.live(2000, true)];
  assert.equal(commands(lifted, "unfence").length, 0);
  assert.equal(h.state.masters.get("mymaster")?.unfence, null);
});

void test("a fence that never succeeds is re-sent, then the switchover aborts", () => {
  const { h, effects } = electedSwitchover();
  const first = commands(effects, "fence")[0];
  assert.ok(first !== undefined);
  result(h, first, { ok: false, code: "SP_ERR_REDIS_UNAVAILABLE", message: "loading" });
  const later = h.live(4200, true);
  assert.ok(commands(later, "fence").length >= 2, "re-sent");
  assert.ok(commands(later, "fence").every((c) => c.epoch === 1 && same(c.target, PRIMARY)));
  assert.ok(eventNames(later).includes("-failover-abort-catchup-timeout"));
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("a fence refused for a newer epoch stops the switchover", () => {
  const { h, effects } = electedSwitchover();
  const fence = commands(effects, "fence")[0];
  assert.ok(fence !== undefined);
  const refused = result(h, fence, { ok: false, code: "SP_ERR_STALE_EPOCH", message: "epoch 1 < 4" });
  assert.ok(eventNames(refused).includes("-failover-abort-fence-failed"));
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "none");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("a manual failover with the primary SDOWN does not wait for a catch-up: it passes the gate", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  h.live(2500, false); // SDOWN, not ODOWN (quorum 2, the peers do not agree)
  const view = masterView(h.state, "mymaster");
  assert.ok(view?.sdown === true && !view.odown);
  assert.equal(admin(h, { type: "failover", name: "mymaster" }).ok, true);
  const effects = h.peer({
    type: "vote_reply",
    from: PEERS[1],
    master_name: "mymaster",
    epoch: 1,
    leader: ME,
    leader_epoch: 1,
    lease_grant_age_ms: null,
  });
  // The old primary is fenced first, then the lease (long expired: no grant for 4 s) opens the gate.
  assert.deepEqual(
    commands(effects, "fence").map((c) => c.target),
    [PRIMARY],
  );
  assert.ok(
    eventTexts(effects).includes("+old-primary-fenced master mymaster 10.0.0.1 6379 #lease-expired #epoch 1"),
  );
  assert.equal(commands(effects, "promote").length, 1);
  assert.ok(!eventNames(effects).includes("+failover-state-wait-catchup"));
});

void test("an automatic failover fences the old primary before it promotes (ADR 0001)", () => {
  const h = new Harness({ quorum: 1 });
  h.meetPeers();
  h.live(2000, true);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false);
  for (const from of PEERS) {
    h.peer({
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch: 1,
      leader: ME,
      leader_epoch: 1,
      lease_grant_age_ms: null,
    });
  }
  const request = sends(h.log).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && !request.manual);
  const fence_at = h.log.findIndex((e) => e.type === "node_command" && e.command.type === "fence");
  const promote_at = h.log.findIndex((e) => e.type === "node_command" && e.command.type === "promote");
  assert.ok(fence_at >= 0 && fence_at < promote_at, "fence at the failover epoch, then promote");
  assert.deepEqual(
    commands(h.log, "fence").map((c) => [c.target, c.epoch]),
    [[PRIMARY, 1]],
  );
});

void test("failover to a chosen replica: that one is fenced for and promoted", () => {
  const { h, effects } = electedSwitchover(R2); // R1 would be the best (smaller run id)
  assert.ok(eventTexts(effects).some((t) => t.startsWith("+selected-slave slave 10.0.0.3:6379")));
  const fence = commands(effects, "fence")[0];
  assert.ok(fence !== undefined);
  const waiting = result(h, fence, { ok: true, role: "master", offset: 1200 });
  const caught = answerInfo(h, waiting, R2, replicaInfo(R2, { slave_repl_offset: 1200 }));
  assert.deepEqual(commands(caught, "promote")[0]?.target, R2);
});

void test("failover to an unknown or unfit replica is refused with a code", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  const unknown = admin(h, { type: "failover", name: "mymaster", to: { host: "10.0.0.9", port: 6379 } });
  assert.deepEqual([unknown.ok, unknown.code], [false, "NOGOODSLAVE"]);
  assert.match(unknown.message, /10\.0\.0\.9:6379 is not a known replica/);
  assert.equal(admin(h, { type: "failover", name: "mymaster", to: PRIMARY }).code, "NOGOODSLAVE");
  assert.equal(admin(h, { type: "failover", name: "mymaster", to: { host: "", port: 1 } }).code, "ERR");
  report(h, R2, replicaInfo(R2, { replica_priority: 0 }), false, 0);
  const unfit = admin(h, { type: "failover", name: "mymaster", to: R2 });
  assert.deepEqual([unfit.ok, unfit.code], [false, "NOGOODSLAVE"]);
  assert.match(unfit.message, /cannot be promoted/);
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "none");
  assert.equal(sends(h.log).filter((m) => m.type === "vote_request").length, 0);
  assert.equal(admin(h, { type: "failover", name: "mymaster", to: R1 }).ok, true);
});

/** A peer's vote for our candidacy at `epoch`: with ours, a majority of three. */
function votedFor(h: Harness, epoch: number): Effect[] {
  return h.peer({
    type: "vote_reply",
    from: PEERS[0],
    master_name: "mymaster",
    epoch,
    leader: ME,
    leader_epoch: epoch,
  });
}

void test("a fence at a newer epoch that nobody lifts is reasserted away, without fencing", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  const stuck_ms = stuckFenceMs(master);
  // Another agent's switchover fenced the primary at epoch 3 and crashed.
  const effects: Effect[] = [...report(h, PRIMARY, masterInfo([R1, R2]), true, 3)];
  const started = h.now_ms;
  while (!eventNames(effects).includes("+try-failover")) {
    assert.ok(h.now_ms - started < stuck_ms + 5000, "no reassert after the stuck bound");
    h.meetPeers();
    effects.push(...h.live(100, true), ...report(h, PRIMARY, masterInfo([R1, R2]), true, 3));
  }
  assert.ok(h.now_ms - started > stuck_ms, "not before the stuck bound");
  assert.equal(commands(effects, "unfence").length, 0, "a newer epoch's fence is not ours to lift");
  const request = sends(effects).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && request.manual && request.epoch === 4);
  const elected = votedFor(h, 4);
  assert.ok(eventNames(elected).includes("+reassert-master"));
  assert.equal(commands(elected, "fence").length, 0);
  const promote = commands(elected, "promote")[0]; // the data-node lifts the fence on promote
  assert.deepEqual(promote?.target, PRIMARY);
  assert.equal(promote.epoch, 4);
  // Its data-node accepted epoch 4, but the server hung before the promote ran: a report of a
  // master at epoch 4 is what it would say anyway (it was master). Only the result counts
  // (`npm run sim -- --seed 5328 --verbose` completed a reassert on such a report).
  const reported = [...report(h, PRIMARY, masterInfo([R1, R2]), true, 4), ...h.live(100, true)];
  assert.ok(!eventNames(reported).includes("+promoted-slave"));
  const confirmed = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: promote.command_id,
    result: { ok: true, role: "master", offset: 10, fenced: true },
  });
  assert.ok(eventNames(confirmed).includes("+promoted-slave"));
});

void test("a replica an uncommitted failover promoted is adopted: the primary fenced first, that node committed", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  // A leader of epoch 3 promoted R1 and crashed before committing: R1 reports master at epoch 3
  // (it may have taken writes under promote-leases). The primary still looks sane.
  const orphan = { ...masterInfo([]), run_id: "2".repeat(40) };
  const effects: Effect[] = [...report(h, R1, orphan, false, 3)];
  const started = h.now_ms;
  while (!eventNames(effects).includes("+try-failover")) {
    assert.ok(h.now_ms - started < 30_000, "no election for the conflict");
    h.meetPeers();
    effects.push(...h.live(100, true), ...report(h, R1, orphan, false, 3));
  }
  assert.equal(commands(effects, "replicaof").length, 0, "not demoted: it may hold writes");
  const request = sends(effects).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && request.epoch === 4, JSON.stringify(request));
  const elected = votedFor(h, 4);
  assert.ok(eventNames(elected).includes("+selected-slave"));
  assert.ok(!eventNames(elected).includes("+reassert-master"));
  const fence = commands(elected, "fence")[0];
  assert.deepEqual([fence?.target, fence?.epoch], [PRIMARY, 4], "the current primary is fenced first");
  assert.equal(commands(elected, "promote").length, 0, "nothing promoted before the gate");
  const gate = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: fence?.command_id ?? -1,
    result: { ok: true, role: "master", offset: 1000, fenced: true },
  });
  const promote = commands([...gate, ...h.live(100, true)], "promote")[0];
  assert.deepEqual([promote?.target, promote?.epoch], [R1, 4]);
  // Its report of role master proves nothing (it was master before): only the command's result.
  const reported = [...report(h, R1, orphan, false, 4), ...h.live(100, true)];
  assert.ok(!eventNames(reported).includes("+promoted-slave"));
  const confirmed = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: promote?.command_id ?? -1,
    result: { ok: true, role: "master", offset: 1200, fenced: false },
  });
  assert.ok(eventNames(confirmed).includes("+promoted-slave"));
  const commit = confirmed.find((e) => e.type === "commit_topology");
  assert.ok(commit?.type === "commit_topology");
  assert.deepEqual([commit.record.primary, commit.record.config_epoch], [R1, 4]);
});

void test("a switchover only promotes a replica streaming from the primary", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, true);
  report(h, R2, replicaInfo(R2, { master_host: "10.0.0.8" }), false, 0);
  const refused = admin(h, { type: "failover", name: "mymaster", to: R2 });
  assert.deepEqual([refused.ok, refused.code], [false, "NOGOODSLAVE"]);
  assert.match(refused.message, /not replicating the primary/);
  report(h, R1, replicaInfo(R1, { master_link_status: "down", master_link_down_since_s: 1 }), false, 0);
  const none = admin(h, { type: "failover", name: "mymaster" });
  assert.deepEqual([none.ok, none.code], [false, "NOGOODSLAVE"]);
  assert.match(none.message, /none could catch up/);
});

void test("a peer's hello with our own commit completes it (the commit reply was late)", () => {
  const { h, effects } = fenced();
  const caught = answerInfo(h, effects, R1, replicaInfo(R1, { slave_repl_offset: 1500 }));
  const promote = commands(caught, "promote")[0];
  assert.ok(promote !== undefined);
  result(h, promote, { ok: true, role: "master", offset: 1500 });
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "commit");
  const heard = h.peer({
    type: "hello",
    from: PEERS[1],
    announce: { host: "10.0.9.3", port: 26379 },
    current_epoch: 1,
    master_name: "mymaster",
    master_address: R1,
    config_epoch: 1,
  });
  const names = eventNames(heard);
  assert.ok(names.includes("+switch-master") && names.includes("+failover-state-reconf-slaves"));
  assert.ok(!names.includes("+config-update-from"));
  assert.deepEqual(commands(heard, "replicaof")[0]?.target, PRIMARY);
});

void test("an old primary that goes down before its fence is confirmed stops the switchover", () => {
  const { h } = electedSwitchover();
  const effects = h.live(2500, false); // no reply to the fence; the primary turns SDOWN
  assert.ok(eventNames(effects).includes("+sdown"));
  assert.ok(eventNames(effects).includes("-failover-abort-fence-failed"));
  assert.ok(!eventNames(effects).includes("-failover-abort-catchup-timeout"), "not the bound");
  assert.equal(commands(h.log, "promote").length, 0);
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "none");
});

void test("TILT during the catch-up abandons the switchover and unfences at once", () => {
  const { h } = fenced();
  h.now_ms += 5000; // a clock jump
  const effects = h.input({ type: "tick", now_ms: h.now_ms });
  assert.deepEqual(eventNames(effects).slice(0, 2), ["+tilt", "-failover-abort-tilt"]);
  assert.equal(commands(effects, "unfence")[0]?.epoch, 1);
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "none");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("an aborted switchover withdraws its fence in flight: a late send of it is dropped", () => {
  const { h, effects } = electedSwitchover();
  const fence = commands(effects, "fence")[0];
  assert.ok(fence !== undefined);
  assert.equal(commandWanted(h.state, fence.command_id, h.now_ms), true, "wanted while the switchover runs");
  const aborted = h.live(2500, false); // no reply: the data-node is restarting; the primary turns SDOWN
  assert.ok(eventNames(aborted).includes("-failover-abort-fence-failed"));
  assert.equal(commandWanted(h.state, fence.command_id, h.now_ms), false, "withdrawn by the abort");
  // Its result, arriving after the abort, changes nothing.
  const late = result(h, fence, { ok: true, role: "master", offset: 1500 });
  assert.equal(commands(late).length, 0);
  const fences_after = commands(h.advance(10_000), "fence");
  assert.deepEqual(fences_after, [], "no fence for the aborted epoch after its abort");
});

void test("an aborted switchover's unfence is repeated at once while the primary looks down, a bounded number of times", () => {
  const { h } = electedSwitchover();
  const aborted = h.live(2500, false);
  assert.ok(eventNames(aborted).includes("-failover-abort-fence-failed"));
  assert.equal(commands(aborted, "unfence")[0]?.epoch, 1, "unfence at the abort's epoch, at once");
  // The restarted data-node reports the fence at epoch 1 while our PINGs still fail (SDOWN): the
  // master does not look sane, yet the unfence is repeated every fast INFO period.
  const later: Effect[] = [];
  for (let i = 0; i < 40; i += 1) {
    h.meetPeers();
    later.push(...report(h, PRIMARY, masterInfo([R1, R2]), true, 1), ...h.live(1000, false));
  }
  const unfences = [...commands(aborted, "unfence"), ...commands(later, "unfence")];
  assert.equal(unfences.length, ABORT_UNFENCE_ATTEMPTS_MAX);
  assert.ok(unfences.every((c) => c.epoch === 1 && same(c.target, PRIMARY)));
  assert.equal(h.state.masters.get("mymaster")?.unfence, null, "given up after the bound");
});

void test("the repeated unfence stops once a report after the abort shows the fence lifted", () => {
  const { h } = electedSwitchover();
  h.live(2500, false);
  h.meetPeers();
  const first = [...report(h, PRIMARY, masterInfo([R1, R2]), true, 1), ...h.live(1000, false)];
  assert.equal(commands(first, "unfence").length, 1, "repeated once");
  const lifted = [...report(h, PRIMARY, masterInfo([R1, R2]), false, 1), ...h.live(5000, false)];
  assert.equal(commands(lifted, "unfence").length, 0);
  assert.equal(h.state.masters.get("mymaster")?.unfence, null);
});
