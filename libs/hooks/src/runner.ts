// The thin executor around the pure scheduler: spawns scripts with an argv (never a shell
// string), an explicit environment and working directory, kills timed-out runs, feeds exits back.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { killGroup } from "./kill.js";
import type { HookLimits } from "./limits.js";
import { SENTINEL_HOOK_LIMITS, assertHookLimits } from "./limits.js";
import type { PendingScript, ScriptCounters } from "./pending.js";
import { pendingScripts, scriptCounters } from "./pending.js";
import type { ScriptEvent, ScriptJob, ScriptOutcome, SchedulerInput, SchedulerState } from "./scheduler.js";
import { initialSchedulerState, nextWakeMs, step } from "./scheduler.js";

/** The environment scripts get unless told otherwise: a PATH and nothing inherited. */
export const DEFAULT_SCRIPT_ENV: Readonly<Record<string, string>> = {
  PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
};

export interface HookRunnerOptions {
  readonly limits?: HookLimits;
  /** The complete environment of every script (nothing is inherited). */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of every script; default `/`. */
  readonly cwd?: string;
  /** Monotonic milliseconds; default performance.now(). */
  readonly now_ms?: () => number;
  readonly on_event?: (event: ScriptEvent) => void;
  readonly on_finished?: (job: ScriptJob, outcome: ScriptOutcome) => void;
}

export class HookRunner {
  readonly #limits: HookLimits;
  readonly #env: Readonly<Record<string, string>>;
  readonly #cwd: string;
  readonly #now_ms: () => number;
  readonly #on_event: (event: ScriptEvent) => void;
  readonly #on_finished: (job: ScriptJob, outcome: ScriptOutcome) => void;
  #state: SchedulerState = initialSchedulerState();
  readonly #children = new Map<number, ChildProcess>();
  readonly #inputs: SchedulerInput[] = [];
  #feeding = false;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #idle_waiters: (() => void)[] = [];

  constructor(options: HookRunnerOptions = {}) {
    this.#limits = options.limits ?? SENTINEL_HOOK_LIMITS;
    assertHookLimits(this.#limits);
    this.#env = { ...(options.env ?? DEFAULT_SCRIPT_ENV) };
    this.#cwd = options.cwd ?? "/";
    this.#now_ms = options.now_ms ?? (() => performance.now());
    this.#on_event = options.on_event ?? (() => undefined);
    this.#on_finished = options.on_finished ?? (() => undefined);
  }

  /** Queues a script run; argv[0] is the absolute path. Returns the job id. */
  schedule(argv: readonly string[]): number {
    assert.ok(!this.#closed, "HookRunner is closed");
    assert.ok(argv[0]?.startsWith("/") === true, "script path must be absolute");
    const job_id = this.#state.next_job_id;
    this.#feed({ kind: "schedule", now_ms: this.#now_ms(), argv });
    return job_id;
  }

  pendingScripts(): PendingScript[] {
    return pendingScripts(this.#state, this.#now_ms());
  }

  counters(): ScriptCounters {
    return scriptCounters(this.#state);
  }

  /** Resolves once the queue is empty (every job succeeded, failed for good, or was dropped). */
  whenIdle(): Promise<void> {
    if (this.#state.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle_waiters.push(resolve));
  }

  /** Stops scheduling, SIGKILLs running scripts (their process groups) and waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const exits = [...this.#children.values()].map((child) => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else
          child.once("exit", () => {
            resolve();
          });
      });
      killGroup(child);
      return exited;
    });
    await Promise.all(exits);
  }

  #feed(input: SchedulerInput): void {
    this.#inputs.push(input);
    // Inputs produced while carrying out effects (a spawn's pid) are handled after them.
    if (this.#feeding) return;
    this.#feeding = true;
    try {
      for (
        let input_next = this.#inputs.shift();
        input_next !== undefined;
        input_next = this.#inputs.shift()
      ) {
        const result = step(this.#limits, this.#state, input_next);
        this.#state = result.state;
        for (const effect of result.effects) {
          switch (effect.kind) {
            case "spawn":
              this.#spawn(effect.job_id, effect.argv);
              break;
            case "kill": {
              const child = this.#children.get(effect.job_id);
              if (child !== undefined) killGroup(child);
              break;
            }
            case "event":
              this.#on_event(effect.event);
              break;
            case "finished":
              this.#on_finished(effect.job, effect.outcome);
              break;
          }
        }
      }
    } finally {
      this.#feeding = false;
    }
    this.#arm();
    if (this.#state.jobs.length === 0) {
      const waiters = this.#idle_waiters;
      this.#idle_waiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #spawn(job_id: number, argv: readonly string[]): void {
    const [path, ...args] = argv;
    assert.ok(path !== undefined);
    if (this.#closed) {
      this.#inputs.push({ kind: "spawn_failed", now_ms: this.#now_ms(), job_id, error: "runner closed" });
      return;
    }
    const child = spawn(path, args, {
      shell: false,
      env: this.#env,
      cwd: this.#cwd,
      stdio: "ignore",
      // Its own process group, so a timeout kill also reaches what the script started.
      detached: true,
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      // After a successful spawn, "error" only reports a failed kill; the exit still comes.
      if (child.pid !== undefined) return;
      this.#feed({
        kind: "spawn_failed",
        now_ms: this.#now_ms(),
        job_id,
        error: error.code ?? error.message,
      });
    });
    if (child.pid === undefined) return;
    this.#children.set(job_id, child);
    child.once("exit", (code, signal) => {
      this.#children.delete(job_id);
      const signal_number = signal === null ? 0 : osConstants.signals[signal];
      this.#feed({ kind: "exited", now_ms: this.#now_ms(), job_id, exit_code: code ?? 0, signal_number });
    });
    this.#inputs.push({ kind: "spawned", now_ms: this.#now_ms(), job_id, pid: child.pid });
  }

  #arm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#closed) return;
    const wake_ms = nextWakeMs(this.#limits, this.#state);
    if (wake_ms === null) return;
    const delay_ms = Math.max(0, Math.ceil(wake_ms - this.#now_ms()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#feed({ kind: "tick", now_ms: this.#now_ms() });
    }, delay_ms);
  }
}
