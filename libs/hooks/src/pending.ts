// What SENTINEL PENDING-SCRIPTS and INFO's script counters report, read from the scheduler state.
import type { SchedulerState } from "./scheduler.js";

export type PendingScript =
  | {
      readonly argv: readonly string[];
      readonly flags: "running";
      readonly pid: number;
      readonly run_time_ms: number;
      readonly retry_num: number;
    }
  | {
      readonly argv: readonly string[];
      readonly flags: "scheduled";
      readonly pid: number;
      readonly run_delay_ms: number;
      readonly retry_num: number;
    };

/** One entry per queued job, oldest first, as sentinelPendingScriptsCommand lists them. */
export function pendingScripts(state: SchedulerState, now_ms: number): PendingScript[] {
  return state.jobs.map((job): PendingScript => {
    if (job.running) {
      const run_time_ms = job.start_ms === null ? 0 : Math.max(0, now_ms - job.start_ms);
      return { argv: job.argv, flags: "running", pid: job.pid, run_time_ms, retry_num: job.retry_num };
    }
    const run_delay_ms = job.start_ms === null ? 0 : Math.max(0, job.start_ms - now_ms);
    return { argv: job.argv, flags: "scheduled", pid: job.pid, run_delay_ms, retry_num: job.retry_num };
  });
}

export type PendingScriptField = string | number | readonly string[];

/**
 * The entry as Sentinel's reply map: `argv [..] flags running pid N run-time MS retry-num N`
 * (`run-delay` instead of `run-time` for a waiting job). Times are whole milliseconds.
 */
export function pendingScriptFields(entry: PendingScript): PendingScriptField[] {
  const time: PendingScriptField[] =
    entry.flags === "running"
      ? ["run-time", Math.floor(entry.run_time_ms)]
      : ["run-delay", Math.floor(entry.run_delay_ms)];
  return ["argv", entry.argv, "flags", entry.flags, "pid", entry.pid, ...time, "retry-num", entry.retry_num];
}

export interface ScriptCounters {
  /** INFO `sentinel_running_scripts`. */
  readonly running_scripts: number;
  /** INFO `sentinel_scripts_queue_length`: every queued job, running ones included. */
  readonly scripts_queue_length: number;
  /** Jobs dropped because the queue was full (Sentinel counts none; we expose it). */
  readonly scripts_dropped_total: number;
}

export function scriptCounters(state: SchedulerState): ScriptCounters {
  return {
    running_scripts: state.jobs.filter((job) => job.running).length,
    scripts_queue_length: state.jobs.length,
    scripts_dropped_total: state.dropped_total,
  };
}
