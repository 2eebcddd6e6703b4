// One run of a script whose result decides something (the pre-promote fence hook): no queue, no
// retry (the caller decides what a failure means), a hard timeout. Like the runner: an argv, never
// a shell string; an explicit environment and working directory; its own process group, killed
// whole with SIGKILL at the timeout. Its output (stdout and stderr together) is kept up to a bound
// for the caller's log.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { killGroup } from "./kill.js";

/** After the exit, output is still read this long while the pipes stay open. */
const OUTPUT_GRACE_MS = 200;

/** Upper bound of `output_max_bytes`. */
export const SCRIPT_OUTPUT_MAX_BYTES = 64 * 1024;

export interface RunOnceOptions {
  /** The complete environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** SIGKILL to the script's process group after this long. */
  readonly timeout_ms: number;
  /** Output kept for the log; the rest is counted and dropped. */
  readonly output_max_bytes: number;
}

export interface RunOnceResult {
  /** Exit code 0 within the timeout. */
  readonly ok: boolean;
  /** One token: `exit-0`, `exit-3`, `signal-SIGTERM`, `timeout`, `spawn-ENOENT`. */
  readonly detail: string;
  readonly exit_code: number | null;
  readonly signal: string | null;
  readonly timed_out: boolean;
  readonly duration_ms: number;
  /** The first `output_max_bytes` of stdout and stderr, interleaved as they came. */
  readonly output: string;
  readonly output_dropped_bytes: number;
}

/** Runs `argv` once (argv[0]: an absolute path). Never rejects. */
export function runScriptOnce(argv: readonly string[], options: RunOnceOptions): Promise<RunOnceResult> {
  const [path, ...args] = argv;
  assert.ok(path?.startsWith("/") === true, "script path must be absolute");
  assert.ok(Number.isInteger(options.timeout_ms) && options.timeout_ms > 0);
  assert.ok(
    Number.isInteger(options.output_max_bytes) &&
      options.output_max_bytes >= 0 &&
      options.output_max_bytes <= SCRIPT_OUTPUT_MAX_BYTES,
  );
  const started_ms = performance.now();
  const output = new BoundedOutput(options.output_max_bytes);
  const keep = (chunk: Buffer): void => {
    output.keep(chunk);
  };
  return new Promise((resolve) => {
    let timed_out = false;
    let settled = false;
    const finish = (fields: ExitFields): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...fields,
        timed_out,
        duration_ms: performance.now() - started_ms,
        output: output.text(),
        output_dropped_bytes: output.dropped_bytes,
      });
    };
    const child = spawn(path, args, {
      shell: false,
      env: { ...options.env },
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so the timeout kill also reaches what the script started.
      detached: true,
    });
    const timer = setTimeout(() => {
      timed_out = true;
      killGroup(child);
    }, options.timeout_ms);
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (error: NodeJS.ErrnoException) => {
      // After a successful spawn, "error" only reports a failed kill; the exit still comes.
      if (child.pid !== undefined) return;
      finish({ ok: false, detail: `spawn-${error.code ?? "error"}`, exit_code: null, signal: null });
    });
    // The result is the exit; the last output may follow it until the pipes close, but a
    // background process of the script may keep them open: wait for them only a little.
    child.once("exit", (code, signal) => {
      const fields = exitOutcome(timed_out, code, signal);
      const grace = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(fields);
      }, OUTPUT_GRACE_MS);
      child.once("close", () => {
        clearTimeout(grace);
        finish(fields);
      });
    });
  });
}

type ExitFields = Pick<RunOnceResult, "ok" | "detail" | "exit_code" | "signal">;

/** How the script ended, as the result says it: timeout first (its kill is the signal). */
function exitOutcome(timed_out: boolean, code: number | null, signal: NodeJS.Signals | null): ExitFields {
  if (timed_out) return { ok: false, detail: "timeout", exit_code: code, signal };
  if (signal !== null) return { ok: false, detail: `signal-${signal}`, exit_code: null, signal };
  return { ok: code === 0, detail: `exit-${code ?? "unknown"}`, exit_code: code, signal: null };
}

/** The first `max_bytes` of the output, and a count of what was dropped after them. */
class BoundedOutput {
  readonly #chunks: Buffer[] = [];
  #kept_bytes = 0;
  dropped_bytes = 0;

  readonly #max_bytes: number;

  constructor(max_bytes: number) {
    this.#max_bytes = max_bytes;
  }

  keep(chunk: Buffer): void {
    const room = this.#max_bytes - this.#kept_bytes;
    const part = chunk.subarray(0, Math.max(0, room));
    if (part.length > 0) this.#chunks.push(part);
    this.#kept_bytes += part.length;
    this.dropped_bytes += chunk.length - part.length;
  }

  text(): string {
    return Buffer.concat(this.#chunks).toString("utf8");
  }
}
