// Runs one command with an argv and a hard timeout; the exit status is data, not an exception.
import { execFile } from "node:child_process";
import type { ErrorCode } from "@sentinel-plane/protocol";

export interface CommandResult {
  readonly argv: readonly string[];
  /** null when killed (timeout) or when it could not start. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timed_out: boolean;
}

/** The registry's (libs/protocol errors.ts) codes of the namespace lab. */
export type NetnsErrorCode = Extract<ErrorCode, `SP_ERR_NETNS_${string}`>;

export class NetnsError extends Error {
  constructor(
    readonly code: NetnsErrorCode,
    message: string,
    readonly result?: CommandResult,
  ) {
    super(message);
    this.name = "NetnsError";
  }
}

export const COMMAND_TIMEOUT_MS = 10_000;
const OUTPUT_MAX_BYTES = 1024 * 1024;

export function runCommand(argv: readonly string[], timeout_ms = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError("empty argv");
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout: timeout_ms, killSignal: "SIGKILL", maxBuffer: OUTPUT_MAX_BYTES, encoding: "utf8" },
      (error, stdout, stderr) => {
        const err = error as (Error & { code?: unknown; killed?: boolean }) | null;
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({
          argv,
          code,
          stdout,
          stderr: err !== null && code === null && stderr === "" ? err.message : stderr,
          timed_out: err?.killed === true,
        });
      },
    );
  });
}

/** Like runCommand, but a non-zero exit throws a NetnsError carrying the result. */
export async function runChecked(
  argv: readonly string[],
  timeout_ms = COMMAND_TIMEOUT_MS,
): Promise<CommandResult> {
  const result = await runCommand(argv, timeout_ms);
  if (result.code !== 0) {
    throw new NetnsError(
      "SP_ERR_NETNS_COMMAND",
      `${argv.join(" ")} -> ${result.timed_out ? "timed out" : `exit ${String(result.code)}`}: ${result.stderr.trim()}`,
      result,
    );
  }
  return result;
}
