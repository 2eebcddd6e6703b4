// The loops' Timers port over the simulator's event queue: each simulated process (agent,
// vip-manager, data-node) schedules its timers as world events that die with the process; this
// adds the cancel the port promises, once for all three.
import type { Timers } from "@sentinel-plane/runtime";

/**
 * `Timers.after` over `schedule` (a world event after `delay_ms`, dropped if its process is gone):
 * a cancelled timer's event still fires but runs nothing, and a timer runs at most once.
 */
export function cancellableAfter(schedule: (delay_ms: number, run: () => void) => void): Timers["after"] {
  return (delay_ms, run) => {
    let armed = true;
    schedule(delay_ms, () => {
      if (!armed) return;
      armed = false;
      run();
    });
    return () => {
      armed = false;
    };
  };
}
