import assert from "node:assert/strict";
import { test } from "node:test";
import {
  adoptedWatchdogReplaceable,
  encodeWatchdogLine,
  parseUptimeMs,
  stepWatchdog,
  WATCHDOG_STARTED,
  watchdogFenceLeadMs,
  watchdogLine,
  wireLine,
} from "./watchdog.js";
import type { WatchdogInput, WatchdogLineInputs, WatchdogState, WatchdogStep } from "./watchdog.js";

const MASTER = { role: "master", fenced: false } as const;
const FENCED = { role: "master", fenced: true } as const;
const REPLICA = { role: "slave", fenced: false } as const;

const leased: WatchdogLineInputs = {
  now_ms: 1000,
  lease_until_ms: 1400,
  lease_ms: 500,
  last_answered: MASTER,
  unfencing: false,
};

void test("fence lead: a quarter of the lease, at most 1000 ms, none without watchdog", () => {
  assert.equal(watchdogFenceLeadMs(400, true), 100);
  assert.equal(watchdogFenceLeadMs(2000, true), 500);
  assert.equal(watchdogFenceLeadMs(12_000, true), 1000);
  assert.equal(watchdogFenceLeadMs(400, false), 0);
  assert.equal(watchdogFenceLeadMs(0, true), 0);
});

void test("line: arm with what is left of the lease while the server may take writes", () => {
  assert.deepEqual(watchdogLine(leased), { kind: "arm", remaining_ms: 400 });
  assert.deepEqual(watchdogLine({ ...leased, lease_until_ms: 1000.9 }), null, "less than 1 ms left");
  // Rounded down: the watchdog's deadline is never after the lease's end.
  assert.deepEqual(watchdogLine({ ...leased, lease_until_ms: 1400.7 }), { kind: "arm", remaining_ms: 400 });
});

void test("line: disarm for a replica, a fenced master, or no lease to enforce", () => {
  assert.deepEqual(watchdogLine({ ...leased, last_answered: REPLICA }), { kind: "disarm" });
  assert.deepEqual(watchdogLine({ ...leased, last_answered: FENCED }), { kind: "disarm" });
  assert.deepEqual(watchdogLine({ ...leased, lease_ms: 0 }), { kind: "disarm" });
  assert.deepEqual(
    watchdogLine({ ...leased, lease_ms: 0, last_answered: MASTER, lease_until_ms: -Infinity }),
    { kind: "disarm" },
  );
});

void test("line: nothing for a writable master whose lease ran out (its deadline stands)", () => {
  assert.equal(watchdogLine({ ...leased, lease_until_ms: 1000 }), null);
  assert.equal(watchdogLine({ ...leased, lease_until_ms: Number.NEGATIVE_INFINITY }), null);
  assert.equal(watchdogLine({ ...leased, last_answered: null }), null, "never answered");
});

void test("line: arm before an unfence, so the server is never writable and disarmed", () => {
  assert.deepEqual(watchdogLine({ ...leased, last_answered: FENCED, unfencing: true }), {
    kind: "arm",
    remaining_ms: 400,
  });
  assert.equal(
    watchdogLine({ ...leased, last_answered: FENCED, unfencing: true, lease_until_ms: 900 }),
    null,
  );
});

void test("encode: one line each; an arm names its deadline on the host clock", () => {
  // The deadline on the host's clock, in centiseconds rounded down (never after the lease's end).
  assert.equal(encodeWatchdogLine({ kind: "arm", deadline_ms: 123_456_789 }), "arm 12345678\n");
  assert.equal(encodeWatchdogLine({ kind: "disarm" }), "disarm\n");
  assert.equal(encodeWatchdogLine({ kind: "detach" }), "detach\n");
  assert.throws(() => encodeWatchdogLine({ kind: "arm", deadline_ms: -1 }), /non-negative deadline/);
  assert.throws(() => encodeWatchdogLine({ kind: "arm", deadline_ms: Number.NaN }), /non-negative deadline/);
  assert.deepEqual(wireLine({ kind: "arm", remaining_ms: 400 }, 5000), { kind: "arm", deadline_ms: 5400 });
  assert.deepEqual(wireLine({ kind: "disarm" }, 5000), { kind: "disarm" });
  assert.equal(parseUptimeMs("74810.27 148392.55\n"), 74_810_270);
  assert.equal(parseUptimeMs("74810.2 1\n"), null);
  assert.equal(parseUptimeMs(""), null);
});

function run(inputs: readonly WatchdogInput[]): { state: WatchdogState; actions: WatchdogStep["action"][] } {
  let state = WATCHDOG_STARTED;
  const actions: WatchdogStep["action"][] = [];
  for (const input of inputs) {
    const step = stepWatchdog(state, input);
    state = step.state;
    actions.push(step.action);
    if (step.action === "kill" || step.action === "exit") break;
  }
  return { state, actions };
}

const arm = (now_ms: number, remaining_ms: number): WatchdogInput => ({
  type: "line",
  now_ms,
  line: { kind: "arm", deadline_ms: now_ms + remaining_ms },
});

void test("watchdog: armed and no new arm by the deadline (data-node hung): kill", () => {
  const { actions } = run([arm(0, 400), { type: "tick", now_ms: 399 }, { type: "tick", now_ms: 400 }]);
  assert.deepEqual(actions, ["none", "none", "kill"]);
});

void test("watchdog: each arm moves the deadline; disarm ends it", () => {
  const kept = run([arm(0, 400), arm(300, 400), { type: "tick", now_ms: 600 }]);
  assert.deepEqual(kept.actions, ["none", "none", "none"]);
  assert.equal(kept.state.deadline_ms, 700);
  const disarmed = run([arm(0, 400), { type: "line", now_ms: 100, line: { kind: "disarm" } }]);
  assert.equal(disarmed.state.deadline_ms, null);
  assert.deepEqual(
    run([
      ...[arm(0, 400)],
      { type: "line", now_ms: 100, line: { kind: "disarm" } },
      { type: "tick", now_ms: 10_000 },
    ]).actions,
    ["none", "none", "none"],
  );
});

void test("watchdog: an arm read after the deadline names a lease renewed meanwhile: it stands; one over already kills", () => {
  // Written at 300 (lease until 700), read at 401 by a starved watchdog: the data-node renewed on
  // time, so the server is spared.
  const late = run([arm(0, 400), { type: "line", now_ms: 401, line: { kind: "arm", deadline_ms: 700 } }]);
  assert.deepEqual(late.actions, ["none", "none"]);
  assert.equal(late.state.deadline_ms, 700);
  // Read after its own deadline: that lease is over.
  const over = run([arm(0, 400), { type: "line", now_ms: 701, line: { kind: "arm", deadline_ms: 700 } }]);
  assert.deepEqual(over.actions, ["none", "kill"]);
  // A disarm read after the deadline still came too late: nothing tells when the fence landed.
  const disarm = run([arm(0, 400), { type: "line", now_ms: 401, line: { kind: "disarm" } }]);
  assert.deepEqual(disarm.actions, ["none", "kill"]);
});

void test("watchdog: end of pipe while armed (data-node killed) fences at once; fenced in time: exits, server kept", () => {
  const { actions, state } = run([
    arm(0, 400),
    { type: "eof", now_ms: 10 },
    { type: "fence_answer", now_ms: 15, fenced: true },
  ]);
  assert.deepEqual(actions, ["none", "fence", "exit"]);
  assert.equal(state.deadline_ms, null);
  assert.equal(state.orphaned, true);
});

void test("watchdog: the orphan fence refused or unanswered: kill at the deadline, not before", () => {
  const refused = run([
    arm(0, 400),
    { type: "eof", now_ms: 10 },
    { type: "fence_answer", now_ms: 12, fenced: false },
    { type: "tick", now_ms: 399 },
    { type: "tick", now_ms: 400 },
  ]);
  assert.deepEqual(refused.actions, ["none", "fence", "none", "none", "kill"]);
  // A hung server: the fence's answer (or its timeout) comes at the deadline, too late.
  const late = run([
    arm(0, 400),
    { type: "eof", now_ms: 10 },
    { type: "fence_answer", now_ms: 400, fenced: true },
  ]);
  assert.deepEqual(late.actions, ["none", "fence", "kill"]);
  assert.throws(
    () => stepWatchdog(WATCHDOG_STARTED, { type: "fence_answer", now_ms: 1, fenced: true }),
    /without a fence/,
  );
});

void test("watchdog: end of pipe while disarmed exits and leaves the server alone", () => {
  assert.deepEqual(run([{ type: "eof", now_ms: 10 }]).actions, ["exit"]);
  assert.deepEqual(
    run([arm(0, 400), { type: "line", now_ms: 5, line: { kind: "disarm" } }, { type: "eof", now_ms: 10 }])
      .actions,
    ["none", "none", "exit"],
  );
});

void test("watchdog: detach exits without a kill, even armed", () => {
  assert.deepEqual(run([arm(0, 400), { type: "line", now_ms: 5, line: { kind: "detach" } }]).actions, [
    "none",
    "exit",
  ]);
});

void test("watchdog: arm 0 kills at once; a line after the end of the pipe is a programmer error", () => {
  assert.deepEqual(run([arm(0, 0)]).actions, ["kill"]);
  const orphaned = stepWatchdog(WATCHDOG_STARTED, { type: "eof", now_ms: 0 });
  assert.throws(() => stepWatchdog({ ...orphaned.state, deadline_ms: 10 }, arm(1, 5)), /after the end/);
});

void test("adoption: the old watchdog is replaced only once the server is seen not writable", () => {
  assert.equal(adoptedWatchdogReplaceable(null), false, "not answered yet (hung?)");
  assert.equal(adoptedWatchdogReplaceable(MASTER), false, "writable: the old watchdog still enforces");
  assert.equal(adoptedWatchdogReplaceable(FENCED), true);
  assert.equal(adoptedWatchdogReplaceable(REPLICA), true);
});
