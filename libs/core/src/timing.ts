// Run-time changes of the agent's timing (SENTINEL DEBUG). Only the periods that mean the same
// here as in Sentinel can change: the INFO period and TILT's trigger and duration. Sentinel's
// ping-period, publish-period and ask-period have no counterpart of the same meaning (PINGs every
// down-after / 10, hellos over NATS every second, opinions pushed rather than asked), so the
// shell keeps and reports them only.
import type { AgentTiming, TimingOverride } from "./types.js";

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
