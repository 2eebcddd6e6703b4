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
  const chunks: Buffer[] = [];
  let kept_bytes = 0;
  let dropped_bytes = 0;
  const keep = (chunk: Buffer): void => {
    const room = options.output_max_bytes - kept_bytes;
    const part = chunk.subarray(0, Math.max(0, room));
    if (part.length > 0) chunks.push(part);
    kept_bytes += part.length;
    dropped_bytes += chunk.length - part.length;
  };
  return new Promise((resolve) => {
    let timed_out = false;
    let settled = false;
    const finish = (fields: Pick<RunOnceResult, "ok" | "detail" | "exit_code" | "signal">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        ...fields,
        timed_out,
        duration_ms: performance.now() - started_ms,
        output: Buffer.concat(chunks).toString("utf8"),
        output_dropped_bytes: dropped_bytes,
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
      let fields: Pick<RunOnceResult, "ok" | "detail" | "exit_code" | "signal">;
      if (timed_out) fields = { ok: false, detail: "timeout", exit_code: code, signal };
      else if (signal !== null) fields = { ok: false, detail: `signal-${signal}`, exit_code: null, signal };
      else fields = { ok: code === 0, detail: `exit-${code ?? "unknown"}`, exit_code: code, signal: null };
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
