// Sentinel's script limits (redis/redis src/sentinel.c, SENTINEL_SCRIPT_MAX_*), as settings so
// tests can shorten the times. The defaults are Sentinel's values.
import assert from "node:assert/strict";

export interface HookLimits {
  /** Scripts running at once (SENTINEL_SCRIPT_MAX_RUNNING). */
  readonly scripts_running_max: number;
  /** Jobs in the queue, running ones included (SENTINEL_SCRIPT_MAX_QUEUE). */
  readonly scripts_queue_max: number;
  /** A run longer than this is sent SIGKILL (SENTINEL_SCRIPT_MAX_RUNTIME). */
  readonly script_runtime_max_ms: number;
  /** Runs of one job in total, the first included (SENTINEL_SCRIPT_MAX_RETRY). */
  readonly script_runs_max: number;
  /** Delay before the first retry; doubles for each later one (SENTINEL_SCRIPT_RETRY_DELAY). */
  readonly script_retry_delay_ms: number;
}

/** Most arguments Sentinel passes, the path included (SENTINEL_SCRIPT_MAX_ARGS). */
export const SCRIPT_ARGS_MAX = 16;

export const SENTINEL_HOOK_LIMITS: HookLimits = {
  scripts_running_max: 16,
  scripts_queue_max: 256,
  script_runtime_max_ms: 60_000,
  script_runs_max: 10,
  script_retry_delay_ms: 30_000,
};

/** Sentinel's limits with some replaced; asserts the combination can work. */
export function hookLimits(overrides: Partial<HookLimits> = {}): HookLimits {
  const limits: HookLimits = { ...SENTINEL_HOOK_LIMITS, ...overrides };
  assertHookLimits(limits);
  return limits;
}

export function assertHookLimits(limits: HookLimits): void {
  assert.ok(Number.isInteger(limits.scripts_running_max) && limits.scripts_running_max >= 1);
  // The oldest *waiting* job is dropped when the queue overflows: there must always be one.
  assert.ok(
    Number.isInteger(limits.scripts_queue_max) && limits.scripts_queue_max > limits.scripts_running_max,
    "scripts_queue_max must exceed scripts_running_max",
  );
  assert.ok(limits.script_runtime_max_ms > 0);
  assert.ok(Number.isInteger(limits.script_runs_max) && limits.script_runs_max >= 1);
  // 2^30 x delay stays a finite number of ms; the run count bounds the doubling anyway.
  assert.ok(limits.script_runs_max <= 30);
  assert.ok(limits.script_retry_delay_ms >= 0);
}

/**
 * Delay before the next run after `retry_num` runs, Sentinel's sentinelScriptRetryDelay:
 * delay = RETRY_DELAY, doubled (retry_num - 1) times: 30 s, 60 s, 2 min, 4 min ...
 */
export function scriptRetryDelayMs(retry_num: number, retry_delay_ms: number): number {
  assert.ok(Number.isInteger(retry_num) && retry_num >= 1 && retry_num <= 30);
  let delay_ms = retry_delay_ms;
  for (let n = retry_num; n > 1; n--) delay_ms *= 2;
  return delay_ms;
}
