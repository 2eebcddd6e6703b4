import { test } from "node:test";
import assert from "node:assert/strict";
import { Harness, eventNames } from "./test-support.js";
import { withTimingOverride } from "./timing.js";

void test("set_timing shortens TILT as SENTINEL DEBUG tilt-period does in Sentinel's test suite", () => {
  const h = new Harness({ quorum: 1 });
  h.live(2000, true);
  assert.deepEqual(h.input({ type: "set_timing", now_ms: h.now_ms, timing: { tilt_period_ms: 5000 } }), []);
  assert.equal(h.state.timing.tilt_period_ms, 5000);
  h.now_ms += 10_000; // forward jump
  assert.ok(eventNames(h.input({ type: "tick", now_ms: h.now_ms })).includes("+tilt"));
  // With the default 30 s this would still be TILT after 7 s.
  assert.ok(eventNames(h.live(7_000, true)).includes("-tilt"));
});

void test("set_timing's tilt-trigger: a smaller gap between ticks enters TILT", () => {
  const h = new Harness({ quorum: 1 });
  h.live(2000, true);
  h.input({ type: "set_timing", now_ms: h.now_ms, timing: { tilt_trigger_ms: 500 } });
  h.now_ms += 1000; // under the default 2000, over the new 500
  assert.ok(eventNames(h.input({ type: "tick", now_ms: h.now_ms })).includes("+tilt"));
});

void test("withTimingOverride changes only what it is given and refuses a non-positive value", () => {
  const base = new Harness().state.timing;
  const changed = withTimingOverride(base, { info_period_ms: 1000 });
  assert.deepEqual(changed, { ...base, info_period_ms: 1000 });
  assert.throws(() => withTimingOverride(base, { tilt_period_ms: 0 }), /positive integer/);
});
