import { test } from "node:test";
import assert from "node:assert/strict";
import { initAgent, masterView, persistedState } from "./agent.js";
import { failoverBackoffMs } from "./failover.js";
import { PRE_PROMOTE_MARGIN_MS, reasonToken } from "./pre-promote.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  config,
  eventNames,
  eventTexts,
  replicaInfo,
} from "./test-support.js";
import type { Address, Effect, MasterSettings, NodeCommand, PrePromoteHook } from "./types.js";

type CommandEffect = Extract<Effect, { type: "node_command" }>;
type HookEffect = Extract<Effect, { type: "run_pre_promote" }>;

const HOOK: PrePromoteHook = { script: "/usr/local/bin/fence-old-host", timeout_ms: 2000 };

function commands(effects: readonly Effect[], type: NodeCommand["type"]): CommandEffect[] {
  return effects.flatMap((e) => (e.type === "node_command" && e.command.type === type ? [e] : []));
}

function hooks(effects: readonly Effect[]): HookEffect[] {
  return effects.flatMap((e) => (e.type === "run_pre_promote" ? [e] : []));
}

/** A harness whose master has `hook` configured (from the file: AgentConfig.masters). */
function harness(settings: Partial<MasterSettings>, hook: PrePromoteHook | null): Harness {
  const h = new Harness(settings);
  const base = config(settings);
  const masters = base.masters.map((m) => (hook === null ? m : { ...m, pre_promote: hook }));
  h.state = initAgent({ ...base, masters }, null, h.now_ms);
  return h;
}

/** One agent (quorum 1): the primary dies, the agent is elected and selects a replica. */
function elected(hook: PrePromoteHook | null = HOOK): { h: Harness; effects: Effect[] } {
  const h = harness({ quorum: 1 }, hook);
  h.meetPeers();
  h.live(2000, true);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false);
  const effects: Effect[] = [];
  for (const from of PEERS) {
    effects.push(
      ...h.peer({
        type: "vote_reply",
        from,
        master_name: "mymaster",
        epoch: 1,
        leader: ME,
        leader_epoch: 1,
        lease_grant_age_ms: null,
      }),
    );
  }
  return { h, effects };
}

function answer(h: Harness, hook_id: number, ok: boolean, detail: string): Effect[] {
  return h.input({ type: "pre_promote_result", now_ms: h.now_ms, hook_id, ok, detail });
}

function state(h: Harness): string | undefined {
  return masterView(h.state, "mymaster")?.failover_state;
}

function same(a: Address, b: Address): boolean {
  return a.host === b.host && a.port === b.port;
}

void test("with a hook: the script runs after selection, the promotion only after its success", () => {
  const { h, effects } = elected();
  const names = eventNames(effects);
  assert.deepEqual(names.slice(names.indexOf("+selected-slave")), [
    "+selected-slave",
    "+failover-state-fence-old-master", // the gate (ADR 0001): no lease granted, open at once
    "+old-primary-fenced",
    "+failover-state-pre-promote",
  ]);
  const texts = eventTexts(effects);
  assert.ok(
    texts.includes("+failover-state-pre-promote slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379"),
  );
  const hook = hooks(effects);
  assert.equal(hook.length, 1);
  const run = hook[0];
  assert.ok(run !== undefined);
  assert.deepEqual(
    { ...run, hook_id: 0 },
    {
      type: "run_pre_promote",
      hook_id: 0,
      master_name: "mymaster",
      epoch: 1,
      script: HOOK.script,
      from: PRIMARY,
      to: R1,
      timeout_ms: HOOK.timeout_ms,
    },
  );
  assert.equal(state(h), "pre-promote");
  assert.equal(commands(h.log, "promote").length, 0, "nothing promoted while the script runs");
  // Time passes within the deadline: still waiting, nothing sent again.
  const waiting = h.live(HOOK.timeout_ms, false);
  assert.equal(hooks(waiting).length, 0);
  assert.equal(commands(waiting, "promote").length, 0);
  const done = answer(h, run.hook_id, true, "exit-0");
  assert.deepEqual(eventNames(done), [
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
  ]);
  const promote = commands(done, "promote");
  assert.equal(promote.length, 1);
  assert.ok(promote[0] !== undefined && same(promote[0].target, R1) && promote[0].epoch === 1);
  assert.equal(state(h), "wait-promotion");
  // A duplicate of the result changes nothing.
  assert.deepEqual(answer(h, run.hook_id, true, "exit-0"), []);
  assert.equal(commands(h.log, "promote").length, 1);
});

void test("a failing script aborts the failover: nothing promoted, the reason in the event", () => {
  const { h, effects } = elected();
  const run = hooks(effects)[0];
  assert.ok(run !== undefined);
  const failed = answer(h, run.hook_id, false, "exit 1");
  assert.deepEqual(eventTexts(failed), [
    "-failover-abort-pre-promote-failed master mymaster 10.0.0.1 6379 #epoch 1 #reason exit-1",
  ]);
  assert.equal(state(h), "none");
  assert.equal(commands(h.log, "promote").length, 0);
  // The gate fenced the old primary before the hook ran (ADR 0001): nothing promoted, so lifted.
  assert.deepEqual(
    commands(h.log, "unfence").map((c) => [c.target, c.epoch]),
    [[PRIMARY, 1]],
  );
  // The next attempt (the primary is still down), after Sentinel's 2 x failover-timeout back-off
  // (a refusing hook would refuse again at once): a new epoch, the hook again with a new id.
  const aborted_ms = h.now_ms;
  const backoff_ms = failoverBackoffMs(h.state.masters.get("mymaster") ?? assert.fail());
  const retry: Effect[] = [];
  for (let i = 0; i < backoff_ms / 100 + 30 && !h.state.masters.get("mymaster")?.failover; i += 1) {
    if (i % 10 === 0) h.meetPeers(); // the peers stay alive: the election can be won
    retry.push(...h.live(100, false));
  }
  assert.ok(eventNames(retry).includes("+try-failover"), "a new election after the back-off");
  assert.ok(h.now_ms - aborted_ms >= backoff_ms, `retried ${h.now_ms - aborted_ms} ms after the abort`);
  const epoch = h.state.masters.get("mymaster")?.failover?.epoch ?? 0;
  assert.ok(epoch > 1);
  const again: HookEffect[] = [];
  for (const from of PEERS) {
    const reply = {
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch,
      leader: ME,
      leader_epoch: epoch,
      lease_grant_age_ms: null,
    } as const;
    again.push(...hooks(h.peer(reply)));
  }
  assert.equal(again.length, 1);
  const next = again[0];
  assert.ok(next !== undefined);
  assert.equal(next.epoch, epoch);
  assert.notEqual(next.hook_id, run.hook_id);
  // The first run's late result is stale now.
  assert.deepEqual(answer(h, run.hook_id, true, "exit-0"), []);
  assert.equal(state(h), "pre-promote");
});

void test("no result within timeout + margin: abort with reason timeout; a late result is ignored", () => {
  const { h, effects } = elected();
  const run = hooks(effects)[0];
  assert.ok(run !== undefined);
  const before = h.live(HOOK.timeout_ms + PRE_PROMOTE_MARGIN_MS - 200, false);
  assert.ok(!eventNames(before).includes("-failover-abort-pre-promote-failed"));
  assert.equal(state(h), "pre-promote");
  const expired = h.live(300, false);
  assert.ok(
    eventTexts(expired).includes(
      "-failover-abort-pre-promote-failed master mymaster 10.0.0.1 6379 #epoch 1 #reason timeout",
    ),
  );
  assert.notEqual(state(h), "pre-promote");
  assert.deepEqual(answer(h, run.hook_id, true, "exit-0"), [], "the late success is stale");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("a result for an unknown hook id is ignored", () => {
  const { h, effects } = elected();
  const run = hooks(effects)[0];
  assert.ok(run !== undefined);
  assert.deepEqual(answer(h, run.hook_id + 1000, true, "exit-0"), []);
  assert.deepEqual(answer(h, run.hook_id + 1000, false, "exit-1"), []);
  assert.equal(state(h), "pre-promote");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("without a hook there is no pre-promote state: the promotion follows the selection", () => {
  const { h, effects } = elected(null);
  const names = eventNames(effects);
  assert.ok(!names.includes("+failover-state-pre-promote"));
  assert.equal(hooks(h.log).length, 0);
  assert.equal(commands(effects, "promote").length, 1);
  assert.equal(masterView(h.state, "mymaster")?.pre_promote, null);
});

void test("the hook comes from the file only: applied over persisted state, never persisted", () => {
  const { h } = elected(null);
  const persisted = persistedState(h.state);
  assert.ok(!JSON.stringify(persisted).includes("pre_promote"));
  const base = config({ quorum: 1 });
  const masters = base.masters.map((m) => ({ ...m, pre_promote: HOOK }));
  const restored = initAgent({ ...base, masters }, persisted, h.now_ms);
  assert.deepEqual(masterView(restored, "mymaster")?.pre_promote, HOOK);
  assert.ok(!JSON.stringify(persistedState(restored)).includes(HOOK.script));
  const bad = base.masters.map((m) => ({ ...m, pre_promote: { script: "relative.sh", timeout_ms: 1000 } }));
  assert.throws(() => initAgent({ ...base, masters: bad }, null, h.now_ms), /absolute path/);
  const slow = base.masters.map((m) => ({ ...m, pre_promote: { script: "/x", timeout_ms: 10_000_000 } }));
  assert.throws(() => initAgent({ ...base, masters: slow }, null, h.now_ms), /out of bounds/);
});

void test("a result's detail becomes one bounded token", () => {
  assert.equal(reasonToken("exit 1"), "exit-1");
  assert.equal(reasonToken("signal SIGKILL\n"), "signal-SIGKILL");
  assert.equal(reasonToken(""), "unknown");
  assert.equal(reasonToken("x".repeat(500)).length, 64);
});

// ---------------------------------------------------------------------------------------------
// The switchover: fence, catch-up, then the hook; a failure lifts the fence.

/** Three agents, a manual failover to R1 with a reachable primary, fenced and caught up. */
function caughtUp(): { h: Harness; effects: Effect[] } {
  const h = harness({}, HOOK);
  h.meetPeers();
  h.live(1500, true);
  const reply = h
    .input({
      type: "admin",
      now_ms: h.now_ms,
      request_id: 1,
      command: { type: "failover", name: "mymaster", to: R1 },
    })
    .find((e) => e.type === "admin_reply");
  assert.ok(reply?.type === "admin_reply" && reply.ok, "failover accepted");
  const voted = h.peer({
    type: "vote_reply",
    from: PEERS[0],
    master_name: "mymaster",
    epoch: 1,
    leader: ME,
    leader_epoch: 1,
    lease_grant_age_ms: null,
  });
  const fence = commands(voted, "fence")[0];
  assert.ok(fence !== undefined);
  const fenced = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: fence.command_id,
    result: { ok: true, role: "master", offset: 1500 },
  });
  assert.equal(state(h), "wait-catchup");
  const effects: Effect[] = [];
  for (const e of fenced) {
    if (e.type !== "probe" || e.kind !== "info" || !same(e.target, R1)) continue;
    effects.push(
      ...h.input({
        type: "probe_result",
        now_ms: h.now_ms,
        probe_id: e.probe_id,
        target: R1,
        result: { kind: "info", ok: true, info: replicaInfo(R1, { slave_repl_offset: 1500 }) },
      }),
    );
  }
  return { h, effects };
}

void test("switchover: the hook runs after the catch-up; its failure unfences with the same epoch", () => {
  const { h, effects } = caughtUp();
  assert.deepEqual(eventNames(effects), ["+failover-state-pre-promote"]);
  const run = hooks(effects)[0];
  assert.ok(run !== undefined && same(run.from, PRIMARY) && same(run.to, R1) && run.epoch === 1);
  assert.equal(commands(h.log, "promote").length, 0);
  const failed = answer(h, run.hook_id, false, "exit-3");
  assert.deepEqual(eventTexts(failed), [
    "-failover-abort-pre-promote-failed master mymaster 10.0.0.1 6379 #epoch 1 #reason exit-3",
  ]);
  const unfence = commands(failed, "unfence");
  assert.equal(unfence.length, 1);
  assert.ok(unfence[0] !== undefined && same(unfence[0].target, PRIMARY) && unfence[0].epoch === 1);
  assert.deepEqual(h.state.masters.get("mymaster")?.unfence?.epoch, 1, "repeated by reconcile if lost");
  assert.equal(state(h), "none");
  assert.equal(commands(h.log, "promote").length, 0);
});

void test("switchover: the hook's success promotes the caught-up replica", () => {
  const { h, effects } = caughtUp();
  const run = hooks(effects)[0];
  assert.ok(run !== undefined);
  const done = answer(h, run.hook_id, true, "exit-0");
  const promote = commands(done, "promote");
  assert.equal(promote.length, 1);
  assert.ok(promote[0] !== undefined && same(promote[0].target, R1));
  assert.equal(commands(h.log, "unfence").length, 0);
});

void test("switchover: TILT while the hook runs lifts the fence at once", () => {
  const { h, effects } = caughtUp();
  assert.equal(hooks(effects).length, 1);
  h.now_ms += 5000; // a clock jump beyond tilt_trigger_ms
  const jumped = h.input({ type: "tick", now_ms: h.now_ms });
  assert.ok(eventNames(jumped).includes("+tilt"));
  assert.ok(eventTexts(jumped).includes("-failover-abort-tilt master mymaster 10.0.0.1 6379 #epoch 1"));
  assert.equal(commands(jumped, "unfence").length, 1);
  assert.equal(state(h), "none");
});
