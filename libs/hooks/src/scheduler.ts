// The script queue as a pure state machine: Sentinel's sentinelScheduleScriptExecution,
// sentinelRunPendingScripts, sentinelCollectTerminatedScripts and sentinelKillTimedoutScripts
// (redis/redis src/sentinel.c) without fork, waitpid or mstime. Time enters with every input;
// the executor carries out the effects (spawn, kill) and feeds back what happened.
import assert from "node:assert/strict";
import type { HookLimits } from "./limits.js";
import { SCRIPT_ARGS_MAX, scriptRetryDelayMs } from "./limits.js";

export interface ScriptJob {
  readonly job_id: number;
  /** argv[0] is the script's path. */
  readonly argv: readonly string[];
  readonly running: boolean;
  /** 0 unless running and spawned. */
  readonly pid: number;
  /** Running: when it started. Waiting: earliest start (null: as soon as a slot is free). */
  readonly start_ms: number | null;
  /** Runs started so far (Sentinel's retry_num). */
  readonly retry_num: number;
  /** SIGKILL already requested for the current run. */
  readonly kill_sent: boolean;
}

export interface SchedulerState {
  /** Oldest first; running jobs stay in the queue, as in Sentinel. */
  readonly jobs: readonly ScriptJob[];
  readonly next_job_id: number;
  readonly dropped_total: number;
}

export type SchedulerInput =
  | { readonly kind: "schedule"; readonly now_ms: number; readonly argv: readonly string[] }
  | { readonly kind: "tick"; readonly now_ms: number }
  | { readonly kind: "spawned"; readonly now_ms: number; readonly job_id: number; readonly pid: number }
  /** The process could not be started (execve failed): Sentinel's child exits 2 then. */
  | {
      readonly kind: "spawn_failed";
      readonly now_ms: number;
      readonly job_id: number;
      readonly error: string;
    }
  | {
      readonly kind: "exited";
      readonly now_ms: number;
      readonly job_id: number;
      /** 0 when killed by a signal, as WEXITSTATUS gives. */
      readonly exit_code: number;
      /** 0 unless killed by a signal. */
      readonly signal_number: number;
    };

export type ScriptEventType = "+script-child" | "-script-child" | "-script-error" | "-script-timeout";

export interface ScriptEvent {
  /** Sentinel logs the child events at debug level; errors and timeouts are warnings. */
  readonly level: "debug" | "warning";
  readonly type: ScriptEventType;
  /** Sentinel's payload format for the type. */
  readonly message: string;
}

export type ScriptOutcome = "ok" | "error" | "dropped";

export type SchedulerEffect =
  | { readonly kind: "spawn"; readonly job_id: number; readonly argv: readonly string[] }
  | { readonly kind: "kill"; readonly job_id: number; readonly pid: number }
  | { readonly kind: "event"; readonly event: ScriptEvent }
  /** The job left the queue for good. */
  | { readonly kind: "finished"; readonly job: ScriptJob; readonly outcome: ScriptOutcome };

export interface StepResult {
  readonly state: SchedulerState;
  readonly effects: readonly SchedulerEffect[];
}

export function initialSchedulerState(): SchedulerState {
  return { jobs: [], next_job_id: 1, dropped_total: 0 };
}

/** Applies one input, then kills timed-out runs and starts what may start, oldest first. */
export function step(limits: HookLimits, state: SchedulerState, input: SchedulerInput): StepResult {
  const effects: SchedulerEffect[] = [];
  let next = applyInput(limits, state, input, effects);
  next = killTimedOut(limits, next, input.now_ms, effects);
  next = runPending(limits, next, input.now_ms, effects);
  assert.ok(next.jobs.length <= limits.scripts_queue_max);
  assert.ok(runningCount(next) <= limits.scripts_running_max);
  return { state: next, effects };
}

export function runningCount(state: SchedulerState): number {
  return state.jobs.filter((job) => job.running).length;
}

/** When the next tick is due (a retry becomes due or a run exceeds its time); null: none. */
export function nextWakeMs(limits: HookLimits, state: SchedulerState): number | null {
  let wake_ms: number | null = null;
  for (const job of state.jobs) {
    let due_ms: number | null = null;
    if (job.running && !job.kill_sent && job.start_ms !== null) {
      // Sentinel kills when the run time is strictly greater than the maximum.
      due_ms = job.start_ms + limits.script_runtime_max_ms + 1;
    } else if (!job.running && job.start_ms !== null) {
      due_ms = job.start_ms;
    }
    if (due_ms !== null && (wake_ms === null || due_ms < wake_ms)) wake_ms = due_ms;
  }
  return wake_ms;
}

function applyInput(
  limits: HookLimits,
  state: SchedulerState,
  input: SchedulerInput,
  effects: SchedulerEffect[],
): SchedulerState {
  switch (input.kind) {
    case "schedule":
      return enqueue(limits, state, input.argv, effects);
    case "tick":
      return state;
    case "spawned":
      return recordSpawned(state, input.job_id, input.pid, effects);
    case "spawn_failed": {
      const job = findJob(state, input.job_id);
      assert.ok(job.running && job.pid === 0, "spawn_failed for a job that is not being spawned");
      // Sentinel's child _exit(2)s when execve fails: reported, never retried.
      return finishRun(limits, state, job, 2, 0, input.now_ms, effects);
    }
    case "exited": {
      const job = findJob(state, input.job_id);
      assert.ok(job.running && job.pid > 0, "exited for a job that is not running");
      effects.push(event("debug", "-script-child", `${job.pid} ${input.exit_code} ${input.signal_number}`));
      return finishRun(limits, state, job, input.exit_code, input.signal_number, input.now_ms, effects);
    }
  }
}

function enqueue(
  limits: HookLimits,
  state: SchedulerState,
  argv: readonly string[],
  effects: SchedulerEffect[],
): SchedulerState {
  assert.ok(
    argv.length >= 1 && argv.length <= SCRIPT_ARGS_MAX,
    "argv must hold the path and at most 15 args",
  );
  const job: ScriptJob = {
    job_id: state.next_job_id,
    argv: [...argv],
    running: false,
    pid: 0,
    start_ms: null,
    retry_num: 0,
    kill_sent: false,
  };
  let jobs = [...state.jobs, job];
  let dropped_total = state.dropped_total;
  if (jobs.length > limits.scripts_queue_max) {
    // Sentinel removes the oldest job that is not running (the head is the oldest).
    const oldest = jobs.findIndex((candidate) => !candidate.running);
    assert.ok(oldest >= 0, "a full queue always holds a waiting job");
    const dropped = jobs[oldest];
    assert.ok(dropped !== undefined);
    jobs = jobs.filter((_, index) => index !== oldest);
    dropped_total += 1;
    effects.push({ kind: "finished", job: dropped, outcome: "dropped" });
  }
  return { jobs, next_job_id: state.next_job_id + 1, dropped_total };
}

function recordSpawned(
  state: SchedulerState,
  job_id: number,
  pid: number,
  effects: SchedulerEffect[],
): SchedulerState {
  assert.ok(Number.isInteger(pid) && pid > 0);
  const job = findJob(state, job_id);
  assert.ok(job.running && job.pid === 0, "spawned for a job that is not being spawned");
  effects.push(event("debug", "+script-child", String(pid)));
  return replaceJob(state, { ...job, pid });
}

function finishRun(
  limits: HookLimits,
  state: SchedulerState,
  job: ScriptJob,
  exit_code: number,
  signal_number: number,
  now_ms: number,
  effects: SchedulerEffect[],
): SchedulerState {
  const path = job.argv[0] ?? "";
  // Exit code 1 means "please retry"; so does death by a signal (a timeout kill included).
  const retryable = signal_number !== 0 || exit_code === 1;
  if (retryable && job.retry_num < limits.script_runs_max) {
    const start_ms = now_ms + scriptRetryDelayMs(job.retry_num, limits.script_retry_delay_ms);
    return replaceJob(state, { ...job, running: false, pid: 0, start_ms, kill_sent: false });
  }
  const failed = signal_number !== 0 || exit_code !== 0;
  if (failed) effects.push(event("warning", "-script-error", `${path} ${signal_number} ${exit_code}`));
  effects.push({ kind: "finished", job: { ...job, running: false }, outcome: failed ? "error" : "ok" });
  return { ...state, jobs: state.jobs.filter((candidate) => candidate.job_id !== job.job_id) };
}

function killTimedOut(
  limits: HookLimits,
  state: SchedulerState,
  now_ms: number,
  effects: SchedulerEffect[],
): SchedulerState {
  let next = state;
  for (const job of state.jobs) {
    if (!job.running || job.kill_sent || job.pid === 0 || job.start_ms === null) continue;
    if (now_ms - job.start_ms <= limits.script_runtime_max_ms) continue;
    effects.push(event("warning", "-script-timeout", `${job.argv[0] ?? ""} ${job.pid}`));
    effects.push({ kind: "kill", job_id: job.job_id, pid: job.pid });
    next = replaceJob(next, { ...job, kill_sent: true });
  }
  return next;
}

function runPending(
  limits: HookLimits,
  state: SchedulerState,
  now_ms: number,
  effects: SchedulerEffect[],
): SchedulerState {
  let next = state;
  let running = runningCount(state);
  // Oldest first; the loop is bounded by the queue length.
  for (const job of state.jobs) {
    if (running >= limits.scripts_running_max) break;
    if (job.running) continue;
    if (job.start_ms !== null && job.start_ms > now_ms) continue;
    const started: ScriptJob = {
      ...job,
      running: true,
      pid: 0,
      start_ms: now_ms,
      retry_num: job.retry_num + 1,
      kill_sent: false,
    };
    next = replaceJob(next, started);
    running += 1;
    effects.push({ kind: "spawn", job_id: job.job_id, argv: job.argv });
  }
  return next;
}

function findJob(state: SchedulerState, job_id: number): ScriptJob {
  const job = state.jobs.find((candidate) => candidate.job_id === job_id);
  assert.ok(job !== undefined, `unknown script job ${job_id}`);
  return job;
}

function replaceJob(state: SchedulerState, job: ScriptJob): SchedulerState {
  return {
    ...state,
    jobs: state.jobs.map((candidate) => (candidate.job_id === job.job_id ? job : candidate)),
  };
}

function event(level: ScriptEvent["level"], type: ScriptEventType, message: string): SchedulerEffect {
  return { kind: "event", event: { level, type, message } };
}
