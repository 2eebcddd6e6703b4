// Time and TILT. The shell's clock arrives in every input's `now_ms`; the core keeps its own
// monotonic "core time" (`state.now_ms`) that advances by the shell's deltas, except that a delta
// that is negative or larger than tilt_trigger_ms (a clock jump, or the process stalled) adds
// nothing and enters TILT (`+tilt`). So a jump never fires timers spuriously nor freezes them (a
// backwards jump under Sentinel stops probing until the clock catches up). While in TILT the agent
// observes but does not act (no SDOWN/ODOWN transitions, no failover progress); it leaves TILT
// tilt_period_ms of core time after the last anomaly (`-tilt`). Vote requests are still answered.
import type { Out } from "./out.js";
import type { AgentState } from "./state.js";

export function advanceClock(out: Out, wall_ms: number): void {
  const state = out.state;
  const delta_ms = wall_ms - state.wall_ms;
  state.wall_ms = wall_ms;
  if (delta_ms < 0 || delta_ms > state.timing.tilt_trigger_ms) {
    enterTilt(out);
    return;
  }
  state.now_ms += delta_ms;
}

function enterTilt(out: Out): void {
  const state = out.state;
  state.tilt_since_ms = state.now_ms;
  if (state.tilt) return;
  state.tilt = true;
  out.event("+tilt", null, null, [], state.current_epoch);
}

/** Leaves TILT once tilt_period_ms passed without anomaly (called on every tick). */
export function maybeExitTilt(out: Out): void {
  const state = out.state;
  if (!state.tilt) return;
  if (state.now_ms - state.tilt_since_ms < state.timing.tilt_period_ms) return;
  state.tilt = false;
  out.event("-tilt", null, null, [], state.current_epoch);
}

export function isActing(state: AgentState): boolean {
  return !state.tilt;
}
