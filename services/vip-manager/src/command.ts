// Runs `ip` with an argv (execFile, no shell), a hard timeout and a bounded output.
import { execFile } from "node:child_process";
import { VipError } from "./vip-error.js";

export interface CommandOutput {
  readonly argv: readonly string[];
  readonly exit_code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const OUTPUT_MAX_BYTES = 1024 * 1024;

/** Resolves with any exit code; rejects with a VipError on timeout or when it cannot start. */
export function runCommand(argv: readonly string[], timeout_ms: number): Promise<CommandOutput> {
  const [file, ...args] = argv;
  if (file === undefined) throw new TypeError("empty argv");
  return new Promise((resolve, reject) => {
    execFile(
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
        if (error === null) {
          resolve({ argv, exit_code: 0, stdout, stderr });
          return;
        }
        const failure = { argv, exit_code: null, stderr };
        const err = error as Error & { code?: unknown; killed?: boolean };
        if (err.killed === true) {
          const message = `${argv.join(" ")}: no exit within ${timeout_ms} ms`;
          reject(new VipError("SP_ERR_VIP_COMMAND_TIMEOUT", message, failure, { cause: error }));
        } else if (typeof err.code === "number") {
          resolve({ argv, exit_code: err.code, stdout, stderr });
        } else {
          reject(
            new VipError("SP_ERR_VIP_SPAWN", `${argv.join(" ")}: ${err.message}`, failure, { cause: error }),
          );
        }
      },
    );
  });
}

export function commandFailed(output: CommandOutput, what: string): VipError {
  return new VipError(
    "SP_ERR_VIP_COMMAND_FAILED",
    `${what}: ${output.argv.join(" ")} exited ${output.exit_code}: ${output.stderr.trim()}`,
    { argv: output.argv, exit_code: output.exit_code, stderr: output.stderr },
  );
}
