// When to restart a crashed redis-server: exponential back-off and a crash-loop limit, as a pure
// step (state, input) -> { state, effects } with time passed in. Patroni restarts postgres on
// every loop pass and systemd has StartLimitBurst/StartLimitIntervalSec; this is the latter with
// a growing delay, so a server that cannot start (bad config, full disk, a corrupt file) is not
// restarted forever at full speed and the operator is told, once, that it stopped.
export interface RestartPolicy {
  /** The first delay after a crash; doubled after each crash, up to backoff_max_ms. */
  readonly backoff_initial_ms: number;
  readonly backoff_max_ms: number;
  /** A server that ran this long before exiting was stable: the delay starts again from initial. */
  readonly stable_after_ms: number;
  /** This many exits inside crash_loop_window_ms: stop restarting (state crash_loop). */
  readonly crash_loop_max: number;
  readonly crash_loop_window_ms: number;
}

export interface RestartState {
  /** Exit times inside the window, oldest first (at most crash_loop_max kept). */
  readonly exits_ms: readonly number[];
  /** The delay the next restart waits. */
  readonly next_delay_ms: number;
  /** When the running server was started; null while none runs. */
  readonly started_ms: number | null;
  readonly crash_loop: boolean;
}

export type RestartInput =
  | { readonly type: "started"; readonly now_ms: number }
  | { readonly type: "exited"; readonly now_ms: number }
  /** The operator's explicit reset (a crash loop ends only this way). */
  | { readonly type: "reset"; readonly now_ms: number };

export type RestartEffect =
  | { readonly type: "schedule_restart"; readonly delay_ms: number; readonly exits_in_window: number }
  | { readonly type: "crash_loop"; readonly exits_in_window: number; readonly window_ms: number }
  | { readonly type: "restart_now" };

export interface RestartStep {
  readonly state: RestartState;
  readonly effects: readonly RestartEffect[];
}

export function initialRestartState(policy: RestartPolicy): RestartState {
  return { exits_ms: [], next_delay_ms: policy.backoff_initial_ms, started_ms: null, crash_loop: false };
}

/** Programmer errors, not operating ones: config validation refuses these before they get here. */
export function assertPolicy(policy: RestartPolicy): void {
  if (policy.backoff_initial_ms < 1 || policy.backoff_max_ms < policy.backoff_initial_ms) {
    throw new Error("restart policy: need 1 <= backoff_initial_ms <= backoff_max_ms");
  }
  if (policy.crash_loop_max < 1 || policy.crash_loop_window_ms < 1) {
    throw new Error("restart policy: crash_loop_max and crash_loop_window_ms must be >= 1");
  }
}

export function stepRestart(policy: RestartPolicy, state: RestartState, input: RestartInput): RestartStep {
  switch (input.type) {
    case "started":
      return { state: { ...state, started_ms: input.now_ms }, effects: [] };
    case "reset": {
      const next = { ...initialRestartState(policy), started_ms: state.started_ms };
      // Out of a crash loop nothing runs and nothing is scheduled: the reset starts it again.
      return { state: next, effects: state.crash_loop ? [{ type: "restart_now" }] : [] };
    }
    case "exited":
      return onExit(policy, state, input.now_ms);
  }
}

function onExit(policy: RestartPolicy, state: RestartState, now_ms: number): RestartStep {
  if (state.crash_loop) return { state, effects: [] };
  const stable = state.started_ms !== null && now_ms - state.started_ms >= policy.stable_after_ms;
  const delay_ms = stable ? policy.backoff_initial_ms : state.next_delay_ms;
  const since_ms = now_ms - policy.crash_loop_window_ms;
  const exits_ms = [...state.exits_ms.filter((at_ms) => at_ms > since_ms), now_ms].slice(
    -policy.crash_loop_max,
  );
  if (exits_ms.length >= policy.crash_loop_max) {
    return {
      state: { exits_ms, next_delay_ms: delay_ms, started_ms: null, crash_loop: true },
      effects: [
        { type: "crash_loop", exits_in_window: exits_ms.length, window_ms: policy.crash_loop_window_ms },
      ],
    };
  }
  const next_delay_ms = Math.min(policy.backoff_max_ms, delay_ms * 2);
  return {
    state: { exits_ms, next_delay_ms, started_ms: null, crash_loop: false },
    effects: [{ type: "schedule_restart", delay_ms, exits_in_window: exits_ms.length }],
  };
}
