// A long-running process started inside a namespace, tracked by PID so teardown can kill it.
import type { ChildProcess } from "node:child_process";
import { errnoCode } from "@sentinel-plane/protocol";

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Output kept per process for diagnostics and readiness checks. */
const OUTPUT_KEEP_CHARS = 64 * 1024;

export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  #output = "";
  #exit: ProcessExit | null = null;
  readonly #watchers = new Set<() => void>();

  constructor(
    readonly node_name: string,
    readonly argv: readonly string[],
    readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`process did not start: ${argv.join(" ")}`);
    this.pid = child.pid;
    const append = (chunk: Buffer) => {
      this.#output = (this.#output + chunk.toString("utf8")).slice(-OUTPUT_KEEP_CHARS);
      for (const watcher of this.#watchers) watcher();
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        for (const watcher of this.#watchers) watcher();
        resolve(this.#exit);
      });
    });
  }

  get running(): boolean {
    return this.#exit === null;
  }

  output(): string {
    return this.#output;
  }

  /** Resolves when the output (stdout and stderr) matches; rejects on exit or after the timeout. */
  waitForOutput(pattern: RegExp, timeout_ms: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const check = (): void => {
        const match = this.#output.match(pattern);
        if (match === null && this.#exit === null) return;
        clearTimeout(timer);
        this.#watchers.delete(check);
        if (match !== null) resolve(match);
        else reject(new Error(`${this.argv.join(" ")} exited before ${String(pattern)}: ${this.#output}`));
      };
      timer = setTimeout(() => {
        this.#watchers.delete(check);
        reject(new Error(`no ${String(pattern)} within ${timeout_ms} ms: ${this.#output}`));
      }, timeout_ms);
      this.#watchers.add(check);
      check();
    });
  }

  /** SIGKILL by PID; resolves once the exit is seen. */
  async kill(): Promise<ProcessExit> {
    if (this.#exit === null) {
      try {
        process.kill(this.pid, "SIGKILL");
      } catch (error) {
        if (errnoCode(error) !== "ESRCH") throw error;
      }
    }
    return this.exited;
  }
}
