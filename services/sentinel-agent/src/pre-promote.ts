// Carries out the core's `run_pre_promote` effect: runs the master's pre-promote script once
// (libs/hooks runScriptOnce: argv only, explicit env and cwd, SIGKILL of its process group at the
// timeout, bounded output), logs the run and its result, and returns the core's input fields.
// Argv in client-reconfig-script order: `<master-name> leader pre-promote <from-ip> <from-port>
// <to-ip> <to-port>`; environment PATH, SP_MASTER, SP_EPOCH; working directory `/`.
import assert from "node:assert/strict";
import type { Effect } from "@sentinel-plane/core";
import { DEFAULT_SCRIPT_ENV, prePromoteArgv, runScriptOnce } from "@sentinel-plane/hooks";
import type { RunOnceOptions, RunOnceResult } from "@sentinel-plane/hooks";
import type { Logger } from "@sentinel-plane/runtime";

export type PrePromoteEffect = Extract<Effect, { type: "run_pre_promote" }>;

export interface PrePromoteOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

export interface PrePromoteRunnerOptions {
  /** Scripts running at once; one more is refused at once (`busy`): the core gives one per master. */
  readonly running_max: number;
  /** Output kept for the log, per run. */
  readonly output_max_bytes: number;
  readonly logger: Logger;
  /** The process runner; tests may replace it. */
  readonly run?: (argv: readonly string[], options: RunOnceOptions) => Promise<RunOnceResult>;
}

export const PRE_PROMOTE_RUNNER_DEFAULTS = { running_max: 16, output_max_bytes: 4096 } as const;

export class PrePromoteRunner {
  readonly #options: PrePromoteRunnerOptions;
  readonly #run: (argv: readonly string[], options: RunOnceOptions) => Promise<RunOnceResult>;
  #running = 0;

  constructor(options: PrePromoteRunnerOptions) {
    assert.ok(Number.isInteger(options.running_max) && options.running_max >= 1);
    this.#options = options;
    this.#run = options.run ?? runScriptOnce;
  }

  get running(): number {
    return this.#running;
  }

  /** Runs the script of `effect`. Never rejects. */
  async run(effect: PrePromoteEffect): Promise<PrePromoteOutcome> {
    const { logger } = this.#options;
    const fields = {
      event: "pre-promote",
      master: effect.master_name,
      epoch: effect.epoch,
      script: effect.script,
      from: effect.from,
      to: effect.to,
      hook_id: effect.hook_id,
    };
    if (this.#running >= this.#options.running_max) {
      logger.warn({ ...fields, running: this.#running }, "pre-promote script refused: too many running");
      return { ok: false, detail: "busy" };
    }
    const argv = prePromoteArgv(effect.script, {
      master_name: effect.master_name,
      from: effect.from,
      to: effect.to,
    });
    logger.info({ ...fields, argv, timeout_ms: effect.timeout_ms }, "pre-promote script started");
    this.#running += 1;
    let result: RunOnceResult;
    try {
      result = await this.#run(argv, {
        env: {
          PATH: DEFAULT_SCRIPT_ENV["PATH"] ?? "/usr/bin:/bin",
          SP_MASTER: effect.master_name,
          SP_EPOCH: String(effect.epoch),
        },
        cwd: "/",
        timeout_ms: effect.timeout_ms,
        output_max_bytes: this.#options.output_max_bytes,
      });
    } finally {
      this.#running -= 1;
    }
    const done = {
      ...fields,
      ok: result.ok,
      detail: result.detail,
      exit_code: result.exit_code,
      signal: result.signal,
      duration_ms: Math.round(result.duration_ms),
      output: result.output,
      output_dropped_bytes: result.output_dropped_bytes,
    };
    if (result.ok) logger.info(done, `pre-promote script succeeded (${result.detail})`);
    else logger.warn(done, `pre-promote script failed (${result.detail}): the failover is aborted`);
    return { ok: result.ok, detail: result.detail };
  }
}
