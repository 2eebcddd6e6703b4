// Run-time changes of the agent's timing (SENTINEL DEBUG). Only the periods that mean the same
// here as in Sentinel can change: the INFO period and TILT's trigger and duration. Sentinel's
// ping-period, publish-period and ask-period have no counterpart of the same meaning (PINGs every
// down-after / 10, hellos over NATS every second, opinions pushed rather than asked), so the
// shell keeps and reports them only.
import type { AgentTiming, TimingOverride } from "./types.js";

/**
 * The agent's timing (the one copy: the agent, its OpenAPI document and its REST tests read it).
 * PINGs go out every down-after / 10, at least every 100 ms and at most every 1000 ms (Sentinel:
 * 1000; detection.ts pingPeriodMs): detection within ~10 % of down-after, and Sentinel's probe load
 * at its default down-after. The core asks for a wake at an SDOWN deadline, so the 100 ms tick adds
 * nothing to it. INFO stays at Sentinel's 10 s / 1 s because data-node reports already bring role
 * changes at once.
 */
export const AGENT_TIMING_DEFAULT: AgentTiming = {
  ping_period_ms: 100,
  info_period_ms: 10_000,
  info_period_fast_ms: 1000,
  hello_period_ms: 1000,
  opinion_max_age_ms: 5000,
  tilt_trigger_ms: 2000,
  tilt_period_ms: 30_000,
  probe_timeout_ms: 500,
};

/** A new timing with the override applied. Values are validated by the shell (SENTINEL DEBUG
 * accepts positive integers only); a value that is not is a programmer error. */
export function withTimingOverride(timing: AgentTiming, override: TimingOverride): AgentTiming {
  for (const [name, value] of Object.entries(override)) {
    if (!(Number.isSafeInteger(value) && value > 0)) {
      throw new Error(`withTimingOverride: ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return {
    ...timing,
    ...(override.info_period_ms === undefined ? {} : { info_period_ms: override.info_period_ms }),
    ...(override.tilt_trigger_ms === undefined ? {} : { tilt_trigger_ms: override.tilt_trigger_ms }),
    ...(override.tilt_period_ms === undefined ? {} : { tilt_period_ms: override.tilt_period_ms }),
  };
}
