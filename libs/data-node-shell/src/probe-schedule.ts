// The data-node's probes of its server and what each observation feeds. One probe is in flight
// at a time (callers share it); a command's effect waits for a fresh one (sent after the call);
// the poll probes and evaluates the self-fence. Each observation goes, in this order, to the
// host's own bookkeeping (`seen`: node.ts the state file's running role, the simulator its view),
// the report, the lease and self-fence loop, the restarter, the watchdog's line, a report when it
// changed significantly, and an evaluation. node.ts and the simulator both probe through this one.
import type { DataNodeLoop } from "./loop.js";
import { observedOf } from "./report.js";
import type { Observation } from "./report.js";
import type { Restarter } from "./restarter.js";
import type { StatusReporter } from "./status-reporter.js";

export interface ProbeScheduleParts {
  /** One probe of the server (INFO and CONFIG GET; never rejects: a failure is an observation). */
  probe(): Promise<Observation>;
  /** The host's bookkeeping of an observation, before anything else reads it. */
  seen(observation: Observation): void;
  /** No observation is taken any more: the server is being stopped, or the process ended. */
  closed(): boolean;
  readonly loop: Pick<DataNodeLoop, "fence_generation" | "observe" | "feedWatchdog" | "scheduleEvaluation">;
  readonly reporter: Pick<StatusReporter, "observe" | "publishIfChanged">;
  /** Null in attach mode (no restarts). */
  readonly restarter: Pick<Restarter, "onObservation"> | null;
}

export class ProbeSchedule {
  readonly #parts: ProbeScheduleParts;
  #probing: Promise<void> | null = null;

  constructor(parts: ProbeScheduleParts) {
    this.#parts = parts;
  }

  /** Probes once; concurrent callers share the probe in flight. */
  probeNow(): Promise<void> {
    // A probe sent now follows every fence already written on the connection.
    const generation = this.#parts.loop.fence_generation;
    this.#probing ??= this.#parts
      .probe()
      .then((observation) => {
        this.#observe(observation, generation);
      })
      .finally(() => {
        this.#probing = null;
      });
    return this.#probing;
  }

  /** A probe sent after this call (a command's effect must be visible in it). */
  async freshProbe(): Promise<void> {
    if (this.#probing !== null) await this.#probing;
    await this.probeNow();
  }

  /** The poll's tick (every poll_interval_ms): a probe, and an evaluation of the self-fence. */
  poll(): void {
    void this.probeNow();
    this.#parts.loop.scheduleEvaluation();
  }

  #observe(observation: Observation, generation: number): void {
    const parts = this.#parts;
    if (parts.closed()) return;
    parts.seen(observation);
    const { loop, reporter, restarter } = parts;
    reporter.observe(observation);
    loop.observe(observedOf(observation), generation);
    restarter?.onObservation(observation);
    loop.feedWatchdog();
    reporter.publishIfChanged();
    loop.scheduleEvaluation();
  }
}
