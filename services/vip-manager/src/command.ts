// Runs `ip` (and arping's probes) with an argv (execFile, no shell), a hard timeout and a bounded
// output; optionally a graceful stop (SIGINT) before the hard timeout, for a command that listens
// until told to finish and then prints what it saw (`arping -D`).
import { execFile } from "node:child_process";
import { VipError } from "@sentinel-plane/vip-shell";

export interface CommandOutput {
  readonly argv: readonly string[];
  readonly exit_code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const OUTPUT_MAX_BYTES = 1024 * 1024;
/** The shell's code for a command ended by SIGINT (128 + 2). */
export const STOPPED_EXIT_CODE = 130;
/**
 * A stopped command still running after this long gets SIGINT again (until it exits or the hard
 * timeout kills it). A bash that receives SIGINT while it starts up, before it runs the script's
 * first line, drops it (measured: 8 of 300 stops of a bash fake of arping sent 10-30 ms after the
 * spawn, each then ran its whole 5 s): a `command_prefix` wrapper script can be such a bash, and a
 * lost stop would hold the duplicate address probe, and the VIP's move, until the timeout.
 */
export const STOP_RESEND_MS = 200;

export interface RunCommandOptions {
  /**
   * SIGINT after this long: the command's exit and output are the result. Ended by the signal
   * itself (no handler), it resolves with STOPPED_EXIT_CODE. Below timeout_ms.
   */
  readonly stop_after_ms?: number;
  /** Aborted: the same graceful stop (SIGINT) at once. */
  readonly stop?: AbortSignal;
}

/** Resolves with any exit code; rejects with a VipError on timeout or when it cannot start. */
export function runCommand(
  argv: readonly string[],
  timeout_ms: number,
  options: RunCommandOptions = {},
): Promise<CommandOutput> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError("empty argv");
  const stop_after_ms = options.stop_after_ms ?? null;
  if (stop_after_ms !== null && !(stop_after_ms > 0 && stop_after_ms < timeout_ms)) {
    throw new RangeError(`stop_after_ms ${stop_after_ms} must be in (0, ${timeout_ms})`);
  }
  let stop_timer: NodeJS.Timeout | undefined;
  let resend_timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return new Promise<CommandOutput>((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        timeout: timeout_ms,
        killSignal: "SIGKILL",
        maxBuffer: OUTPUT_MAX_BYTES,
        encoding: "utf8",
        shell: false,
      },
      (error, stdout, stderr) => {
        clearTimeout(stop_timer);
        clearInterval(resend_timer);
        if (error === null) {
          resolve({ argv, exit_code: 0, stdout, stderr });
          return;
        }
        const failure = { argv, exit_code: null, stderr };
        const err = error as Error & { code?: unknown; killed?: boolean; signal?: unknown };
        // An exit code is the command's answer, even after our SIGINT (err.killed is then set).
        if (typeof err.code === "number") {
          resolve({ argv, exit_code: err.code, stdout, stderr });
        } else if (stopped && err.signal === "SIGINT") {
          resolve({ argv, exit_code: STOPPED_EXIT_CODE, stdout, stderr });
        } else if (err.killed === true) {
          const message = `${argv.join(" ")}: no exit within ${timeout_ms} ms`;
          reject(new VipError("SP_ERR_VIP_COMMAND_TIMEOUT", message, failure, { cause: error }));
        } else {
          reject(
            new VipError("SP_ERR_VIP_SPAWN", `${argv.join(" ")}: ${err.message}`, failure, { cause: error }),
          );
        }
      },
    );
    const stopNow = (): void => {
      if (stopped || child.exitCode !== null || child.signalCode !== null) return;
      stopped = true;
      clearTimeout(stop_timer);
      child.kill("SIGINT");
      resend_timer = setInterval(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      }, STOP_RESEND_MS);
    };
    if (stop_after_ms !== null) stop_timer = setTimeout(stopNow, stop_after_ms);
    if (options.stop !== undefined) {
      if (options.stop.aborted) stopNow();
      else options.stop.addEventListener("abort", stopNow, { once: true });
    }
  });
}

export function commandFailed(output: CommandOutput, what: string): VipError {
  return new VipError(
    "SP_ERR_VIP_COMMAND_FAILED",
    `${what}: ${output.argv.join(" ")} exited ${output.exit_code}: ${output.stderr.trim()}`,
    { argv: output.argv, exit_code: output.exit_code, stderr: output.stderr },
  );
}
