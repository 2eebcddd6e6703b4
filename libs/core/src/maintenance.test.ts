import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { applyOperatorChange, PAUSE_DURATION_MS_MAX } from "./maintenance.js";
import { Harness, ME, PEERS, PRIMARY, R1, eventNames, eventTexts, sends } from "./test-support.js";
import type { Effect, Input, MasterSettings, TopologyRecord } from "./types.js";

/** Wall clock = core time + this offset (any fixed offset: the rule only compares wall times). */
const UNIX_OFFSET_MS = 1_780_000_000_000;

/** The core harness, with the wall clock on every tick as the agent's loop puts it. */
class WallHarness extends Harness {
  override input(input: Input): Effect[] {
    if (input.type !== "tick") return super.input(input);
    return super.input({ ...input, unix_ms: this.unix() });
  }

  unix(): number {
    return this.now_ms + UNIX_OFFSET_MS;
  }

  /** Delivers the committed record (KV watch) with extra fields, at `revision`. */
  observe(fields: Partial<TopologyRecord>, revision = 1): Effect[] {
    const record: TopologyRecord = {
      master_name: "mymaster",
      config_epoch: 0,
      primary: PRIMARY,
      replicas: [R1],
      leader: ME,
      ...fields,
    };
    return this.input({ type: "topology_observed", now_ms: this.now_ms, record, revision });
  }

  admin(command: Extract<Input, { type: "admin" }>["command"]): Effect[] {
    return this.input({ type: "admin", now_ms: this.now_ms, command, request_id: 7 });
  }
}

function agent(settings: Partial<MasterSettings> = {}): WallHarness {
  const h = new WallHarness({ quorum: 1, ...settings });
  h.meetPeers();
  h.live(2000, true);
  return h;
}

/** Runs with the primary down until ODOWN is reported (bounded). */
function primaryDown(h: WallHarness, ms = 3000): Effect[] {
  return h.live(ms, false);
}

void test("paused: ODOWN is reported, the failover is blocked once per ODOWN, no election starts", () => {
  const h = agent();
  const since = h.unix();
  const observed = h.observe({
    pause: { since_unix_ms: since, until_unix_ms: since + 600_000, by: "cli ops@h1" },
  });
  assert.deepEqual(eventNames(observed), ["+pause"]);
  const effects = primaryDown(h, 5000);
  const names = eventNames(effects);
  assert.ok(names.includes("+sdown") && names.includes("+odown"), names.join(" "));
  assert.equal(names.filter((n) => n === "+failover-blocked-paused").length, 1);
  assert.ok(!names.includes("+try-failover"), "no automatic failover while paused");
  assert.match(
    eventTexts(effects).find((t) => t.startsWith("+failover-blocked-paused")) ?? "",
    /#by cli ops@h1$/,
  );
  assert.equal(masterView(h.state, "mymaster")?.operator.paused, true);
});

void test("paused: a manual failover still starts", () => {
  const h = agent();
  h.observe({ pause: { since_unix_ms: h.unix(), until_unix_ms: h.unix() + 600_000, by: "rest" } });
  const effects = h.admin({ type: "failover", name: "mymaster" });
  assert.ok(eventNames(effects).includes("+try-failover"));
  const request = sends(effects).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && request.manual);
});

void test("the pause expires at its wall-clock time: -pause #expired, then the failover starts", () => {
  const h = agent();
  h.observe({ pause: { since_unix_ms: h.unix(), until_unix_ms: h.unix() + 4000, by: "rest" } });
  const blocked = primaryDown(h, 3500);
  assert.ok(eventNames(blocked).includes("+failover-blocked-paused"));
  const after = primaryDown(h, 1500);
  const names = eventNames(after);
  assert.ok(names.includes("-pause"), names.join(" "));
  assert.ok(eventTexts(after).includes(`-pause master mymaster ${PRIMARY.host} ${PRIMARY.port} #expired`));
  assert.ok(names.indexOf("-pause") < names.indexOf("+try-failover"), names.join(" "));
});

void test("a resume (the record's pause ended by someone) lifts the block at once", () => {
  const h = agent();
  const pause = { since_unix_ms: h.unix(), until_unix_ms: h.unix() + 600_000, by: "rest" };
  h.observe({ pause });
  primaryDown(h, 3000);
  const resumed = h.observe({ pause: { ...pause, until_unix_ms: h.unix(), resumed_by: "cli bob@h2" } }, 2);
  assert.ok(eventTexts(resumed).some((t) => t.endsWith("#resumed by cli bob@h2")));
  // The record's arrival re-evaluates the master: the failover starts in that same step.
  assert.ok(eventNames(resumed).includes("+try-failover"), eventNames(resumed).join(" "));
});

void test("anti-flapping: within the block period of the last automatic failover none starts", () => {
  const h = agent({ failover_block_period_ms: 60_000 });
  const last = h.unix() - 1000;
  h.observe({ auto_failover_unix_ms: last });
  const effects = primaryDown(h, 5000);
  const names = eventNames(effects);
  assert.ok(names.includes("+odown"));
  assert.equal(names.filter((n) => n === "+failover-blocked-flapping").length, 1);
  assert.ok(!names.includes("+try-failover"));
  const view = masterView(h.state, "mymaster")?.operator;
  assert.equal(view?.failover_blocked_until_unix_ms, last + 60_000);
});

void test("anti-flapping: an acknowledgement of that failover lifts the block", () => {
  const h = agent({ failover_block_period_ms: 60_000 });
  const last = h.unix() - 1000;
  h.observe({ auto_failover_unix_ms: last });
  primaryDown(h, 3000);
  const acked = h.observe(
    { auto_failover_unix_ms: last, ack: { failover_unix_ms: last, at_unix_ms: h.unix(), by: "rest" } },
    2,
  );
  assert.ok(eventNames(acked).includes("+failover-ack"));
  assert.ok(eventNames(acked).includes("+try-failover"), eventNames(acked).join(" "));
});

void test("anti-flapping: an ack of an older failover does not lift the block of a newer one", () => {
  const h = agent({ failover_block_period_ms: 60_000 });
  const older = h.unix() - 30_000;
  h.observe({
    auto_failover_unix_ms: h.unix() - 1000,
    ack: { failover_unix_ms: older, at_unix_ms: older + 1, by: "rest" },
  });
  assert.ok(!eventNames(primaryDown(h, 5000)).includes("+try-failover"));
});

void test("anti-flapping: the block ends with its period; 0 turns it off", () => {
  const h = agent({ failover_block_period_ms: 5000 });
  h.observe({ auto_failover_unix_ms: h.unix() - 1000 });
  const effects = primaryDown(h, 6000);
  const names = eventNames(effects);
  assert.ok(names.indexOf("+failover-blocked-flapping") < names.indexOf("+try-failover"), names.join(" "));
  const off = agent({ failover_block_period_ms: 0 });
  off.observe({ auto_failover_unix_ms: off.unix() - 1000 });
  assert.ok(eventNames(primaryDown(off)).includes("+try-failover"));
});

void test("a voter refuses its vote to an automatic failover while paused, not to a manual one", () => {
  const h = agent();
  h.observe({ pause: { since_unix_ms: h.unix(), until_unix_ms: h.unix() + 600_000, by: "rest" } });
  primaryDown(h, 3000);
  const request = (manual: boolean, epoch: number): Effect[] =>
    h.peer({
      type: "vote_request",
      from: PEERS[0],
      master_name: "mymaster",
      master_address: PRIMARY,
      epoch,
      manual,
    });
  const reply = (effects: Effect[]) => sends(effects).find((m) => m.type === "vote_reply");
  const auto = reply(request(false, 5));
  assert.ok(auto?.type === "vote_reply" && auto.leader !== PEERS[0]);
  const manual = reply(request(true, 6));
  assert.ok(manual?.type === "vote_reply" && manual.leader === PEERS[0]);
});

void test("pause needs an expiry within bounds, a known wall clock and a committed record", () => {
  const fresh = new Harness({ quorum: 1 }); // ticks without wall clock
  const noclock = fresh.input({
    type: "admin",
    now_ms: fresh.now_ms,
    command: { type: "pause", name: "mymaster", duration_ms: 60_000, by: "rest" },
    request_id: 1,
  });
  assert.ok(noclock.some((e) => e.type === "admin_reply" && e.code === "SP_ERR_UNAVAILABLE"));
  const h = agent();
  const norecord = h.admin({ type: "pause", name: "mymaster", duration_ms: 60_000, by: "rest" });
  assert.ok(norecord.some((e) => e.type === "admin_reply" && e.code === "SP_ERR_UNAVAILABLE"));
  h.observe({});
  for (const duration_ms of [0, 999, PAUSE_DURATION_MS_MAX + 1, 1.5]) {
    const refused = h.admin({ type: "pause", name: "mymaster", duration_ms, by: "rest" });
    assert.ok(
      refused.some((e) => e.type === "admin_reply" && e.code === "SP_ERR_PAUSE_EXPIRY_INVALID"),
      String(duration_ms),
    );
  }
  const unknown = h.admin({ type: "pause", name: "nope", duration_ms: 60_000, by: "rest" });
  assert.ok(unknown.some((e) => e.type === "admin_reply" && /No such master/.test(e.message)));
  const ok = h.admin({ type: "pause", name: "mymaster", duration_ms: 60_000, by: "resp 10.0.0.9:5000\n" });
  const commit = ok.find((e) => e.type === "commit_operator");
  assert.ok(commit?.type === "commit_operator" && commit.change.kind === "pause");
  assert.deepEqual(commit.change.pause, {
    since_unix_ms: h.unix(),
    until_unix_ms: h.unix() + 60_000,
    by: "resp 10.0.0.9:5000",
  });
  assert.ok(!ok.some((e) => e.type === "admin_reply"), "answered by the shell once written");
});

void test("resume of an unpaused master is a no-op; ack needs an automatic failover", () => {
  const h = agent();
  h.observe({});
  const resume = h.admin({ type: "resume", name: "mymaster", by: "rest" });
  assert.ok(resume.some((e) => e.type === "admin_reply" && e.ok));
  const ack = h.admin({ type: "ack_failover", name: "mymaster", by: "rest" });
  assert.ok(ack.some((e) => e.type === "admin_reply" && e.code === "SP_ERR_NOTHING_TO_ACKNOWLEDGE"));
  h.observe({ auto_failover_unix_ms: 5 }, 2);
  const acked = h.admin({ type: "ack_failover", name: "mymaster", by: "rest" });
  const commit = acked.find((e) => e.type === "commit_operator");
  assert.ok(commit?.type === "commit_operator" && commit.change.kind === "ack");
  assert.equal(commit.change.ack.failover_unix_ms, 5);
});

void test("applyOperatorChange refuses an ack of a failover the record no longer names", () => {
  const record: TopologyRecord = {
    master_name: "m",
    config_epoch: 3,
    primary: PRIMARY,
    replicas: [],
    leader: ME,
    auto_failover_unix_ms: 20,
  };
  const stale = applyOperatorChange(record, {
    kind: "ack",
    ack: { failover_unix_ms: 10, at_unix_ms: 30, by: "x" },
  });
  assert.equal(stale.ok, false);
  const fresh = applyOperatorChange(record, {
    kind: "ack",
    ack: { failover_unix_ms: 20, at_unix_ms: 30, by: "x" },
  });
  assert.ok(fresh.ok && fresh.record.ack?.failover_unix_ms === 20 && fresh.record.config_epoch === 3);
});

/** An elected automatic failover of `h`, up to its commit effect. */
function commitOf(h: WallHarness): Extract<Effect, { type: "commit_topology" }> {
  for (let i = 0; i < 40 && h.state.masters.get("mymaster")?.failover === null; i += 1) primaryDown(h, 100);
  const run = h.state.masters.get("mymaster")?.failover;
  assert.ok(run, "a failover started");
  for (const from of PEERS) {
    h.peer({
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch: run.epoch,
      leader: ME,
      leader_epoch: run.epoch,
      lease_grant_age_ms: null,
    });
  }
  for (let i = 0; i < 40; i += 1) {
    const promote = h.log.find((e) => e.type === "node_command" && e.command.type === "promote");
    if (promote?.type === "node_command") {
      const effects = h.input({
        type: "command_result",
        now_ms: h.now_ms,
        command_id: promote.command_id,
        result: { ok: true, role: "master", offset: 100 },
      });
      const commit = effects.find((e) => e.type === "commit_topology");
      assert.ok(commit?.type === "commit_topology");
      return commit;
    }
    primaryDown(h, 100);
  }
  throw new Error("no promotion");
}

void test("an automatic failover's commit stamps its wall-clock time and carries the pause and ack", () => {
  const h = agent();
  const pause = { since_unix_ms: 1, until_unix_ms: 2, by: "old" };
  const ack = { failover_unix_ms: 0, at_unix_ms: 3, by: "x" };
  h.observe({ pause, ack });
  const commit = commitOf(h);
  assert.equal(commit.record.auto_failover_unix_ms, h.unix());
  assert.deepEqual(commit.record.pause, pause);
  assert.deepEqual(commit.record.ack, ack);
});

void test("a commit beaten only by an operator change is retried with it, not aborted", () => {
  const h = agent();
  h.observe({}, 1);
  const commit = commitOf(h);
  const pause = { since_unix_ms: h.unix(), until_unix_ms: h.unix() + 60_000, by: "rest" };
  const current = { record: { ...commit.record, config_epoch: 0, primary: PRIMARY, pause }, revision: 2 };
  const lost = h.input({
    type: "commit_result",
    now_ms: h.now_ms,
    commit_id: commit.commit_id,
    ok: false,
    current,
  });
  assert.ok(!eventNames(lost).includes("-failover-abort-commit-conflict"));
  const retried = primaryDown(h, 1500).find((e) => e.type === "commit_topology");
  assert.ok(retried?.type === "commit_topology");
  assert.equal(retried.expected_revision, 2);
  assert.deepEqual(retried.record.pause, pause);
});

void test("a pause that expired while the agent was down is neither reported nor enforced", () => {
  const h = new WallHarness({ quorum: 1 });
  const pause = { since_unix_ms: h.unix() - 120_000, until_unix_ms: h.unix() - 60_000, by: "rest" };
  const observed = h.observe({ pause }); // before the first tick: the wall clock is not known yet
  const later = h.live(2000, true);
  const names = [...eventNames(observed), ...eventNames(later)];
  assert.ok(!names.includes("+pause") && !names.includes("-pause"), names.join(" "));
  assert.equal(masterView(h.state, "mymaster")?.operator.paused, false);
});
