import assert from "node:assert/strict";
import { test } from "node:test";
import { assertPolicy, initialRestartState, stepRestart } from "./restart-policy.js";
import type { RestartEffect, RestartPolicy, RestartState } from "./restart-policy.js";

const policy: RestartPolicy = {
  backoff_initial_ms: 1000,
  backoff_max_ms: 30_000,
  stable_after_ms: 60_000,
  crash_loop_max: 5,
  crash_loop_window_ms: 600_000,
};

/** Runs started/exited pairs: the server runs `ran_ms`, then the restart waits what was decided. */
function crashes(
  count: number,
  ran_ms: number,
  start: RestartState = initialRestartState(policy),
): { state: RestartState; effects: RestartEffect[]; now_ms: number } {
  let state = start;
  let now_ms = 0;
  const effects: RestartEffect[] = [];
  for (let i = 0; i < count; i++) {
    state = stepRestart(policy, state, { type: "started", now_ms }).state;
    now_ms += ran_ms;
    const step = stepRestart(policy, state, { type: "exited", now_ms });
    state = step.state;
    effects.push(...step.effects);
    const scheduled = step.effects.find((effect) => effect.type === "schedule_restart");
    if (scheduled?.type === "schedule_restart") now_ms += scheduled.delay_ms;
  }
  return { state, effects, now_ms };
}

void test("the delay doubles after each crash, up to the cap", () => {
  const capped = { ...policy, crash_loop_max: 100 };
  let state = initialRestartState(capped);
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    state = stepRestart(capped, state, { type: "started", now_ms: i * 100_000 }).state;
    const step = stepRestart(capped, state, { type: "exited", now_ms: i * 100_000 + 10 });
    state = step.state;
    for (const effect of step.effects) if (effect.type === "schedule_restart") delays.push(effect.delay_ms);
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
});

void test("a server that ran for stable_after_ms starts the back-off again from the initial delay", () => {
  const early = crashes(3, 10);
  assert.equal(early.state.next_delay_ms, 8000);
  const stable = stepRestart(policy, stepRestart(policy, early.state, { type: "started", now_ms: 0 }).state, {
    type: "exited",
    now_ms: policy.stable_after_ms,
  });
  assert.deepEqual(stable.effects, [{ type: "schedule_restart", delay_ms: 1000, exits_in_window: 4 }]);
  assert.equal(stable.state.next_delay_ms, 2000);
});

void test("crash_loop_max exits inside the window: no restart, one crash_loop effect, then silence", () => {
  const looped = crashes(5, 10);
  assert.equal(looped.state.crash_loop, true);
  assert.deepEqual(looped.effects.at(-1), { type: "crash_loop", exits_in_window: 5, window_ms: 600_000 });
  assert.equal(looped.effects.filter((effect) => effect.type === "schedule_restart").length, 4);
  const again = stepRestart(policy, looped.state, { type: "exited", now_ms: looped.now_ms + 1 });
  assert.deepEqual(again.effects, []);
  assert.equal(again.state.crash_loop, true);
});

void test("exits spread wider than the window never make a crash loop", () => {
  const spread = { ...policy, crash_loop_window_ms: 5000 };
  let state = initialRestartState(spread);
  for (let i = 0; i < 20; i++) {
    const at_ms = i * 10_000;
    state = stepRestart(spread, state, { type: "started", now_ms: at_ms }).state;
    const step = stepRestart(spread, state, { type: "exited", now_ms: at_ms + 10 });
    state = step.state;
    assert.equal(step.effects[0]?.type, "schedule_restart");
  }
  assert.equal(state.crash_loop, false);
  assert.equal(state.exits_ms.length, 1);
});

void test("reset ends a crash loop with a restart_now and the initial delay; outside a loop it only resets", () => {
  const looped = crashes(5, 10);
  const reset = stepRestart(policy, looped.state, { type: "reset", now_ms: looped.now_ms });
  assert.deepEqual(reset.effects, [{ type: "restart_now" }]);
  assert.deepEqual(reset.state, initialRestartState(policy));
  const calm = crashes(2, 10);
  const calmReset = stepRestart(policy, calm.state, { type: "reset", now_ms: calm.now_ms });
  assert.deepEqual(calmReset.effects, []);
  assert.equal(calmReset.state.next_delay_ms, 1000);
});

void test("a policy with the cap below the first delay is a programmer error", () => {
  assert.throws(() => {
    assertPolicy({ ...policy, backoff_max_ms: 10 });
  }, /backoff_initial_ms <= backoff_max_ms/);
  assert.doesNotThrow(() => {
    assertPolicy(policy);
  });
});
