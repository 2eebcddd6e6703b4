// One process of the local cluster. Started in its own process group (detached), so a Ctrl-C in
// the terminal reaches only the CLI, which then stops the processes in order; the whole group
// (a data-node and its redis-server) is SIGKILLed if a polite stop runs out of time. Output
// goes to a log file and is scanned line by line, so readiness is an awaited event.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { isIndexable } from "../client/json.js";

/** Lines kept in memory for error messages (the whole output is in the log file). */
const TAIL_LINES_MAX = 60;
const LISTENERS_MAX = 64;

export interface ChildOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly log_path: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: string | null;
}

type LineListener = (line: string) => void;

export class Child {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  #running = true;
  readonly #log: WriteStream;
  readonly #tail: string[] = [];
  readonly #listeners = new Set<LineListener>();

  private constructor(options: ChildOptions, proc: ChildProcess, log: WriteStream) {
    this.name = options.name;
    this.#log = log;
    const pid = proc.pid;
    if (pid === undefined) throw new Error(`${options.name}: no pid`);
    this.pid = pid;
    this.exited = new Promise<ExitInfo>((resolve) => {
      proc.once("exit", (code, signal) => {
        this.#running = false;
        resolve({ code, signal });
      });
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        this.#onLine(line);
      });
    }
  }

  /** Spawns, or rejects when the command cannot be started (ENOENT...). */
  static async start(options: ChildOptions): Promise<Child> {
    const log = createWriteStream(options.log_path, { flags: "a", mode: 0o600 });
    const proc = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      proc.once("spawn", resolve);
      proc.once("error", (error) => {
        log.end();
        reject(new Error(`cannot start ${options.name} (${options.command}): ${error.message}`));
      });
    });
    return new Child(options, proc, log);
  }

  get running(): boolean {
    return this.#running;
  }

  /** The last lines of output, for error messages. */
  tail(): string {
    return this.#tail.join("\n");
  }

  onLine(listener: LineListener): () => void {
    if (this.#listeners.size >= LISTENERS_MAX) throw new Error(`${this.name}: too many line listeners`);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the first line matching, rejects on exit or after timeout_ms. */
  waitForLine(match: (line: string) => boolean, timeout_ms: number, what: string): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        off();
        settle();
      };
      const off = this.onLine((line) => {
        if (match(line))
          finish(() => {
            resolve(line);
          });
      });
      const timer = setTimeout(() => {
        finish(() => {
          reject(new Error(`${this.name}: ${what} not seen within ${timeout_ms} ms`));
        });
      }, timeout_ms);
      void this.exited.then((exit) => {
        finish(() => {
          reject(
            new Error(
              `${this.name} exited (code ${String(exit.code)}, signal ${String(exit.signal)}) before ${what}`,
            ),
          );
        });
      });
    });
  }

  /** SIGTERM, then SIGKILL to the whole process group after grace_ms; resolves on exit. */
  async stop(grace_ms: number): Promise<ExitInfo> {
    if (this.#running) this.#signal("SIGTERM", false);
    const timer = setTimeout(() => {
      this.#signal("SIGKILL", true);
    }, grace_ms);
    const exit = await this.exited;
    clearTimeout(timer);
    // Whatever the process left in its group (e.g. a redis-server after a crash) goes too.
    this.#signal("SIGKILL", true);
    await new Promise<void>((resolve) => {
      this.#log.end(resolve);
    });
    return exit;
  }

  kill(signal: NodeJS.Signals): void {
    this.#signal(signal, true);
  }

  #signal(signal: NodeJS.Signals, group: boolean): void {
    try {
      process.kill(group ? -this.pid : this.pid, signal);
    } catch {
      // ESRCH: already gone.
    }
  }

  #onLine(line: string): void {
    this.#log.write(`${line}\n`);
    this.#tail.push(line);
    if (this.#tail.length > TAIL_LINES_MAX) this.#tail.shift();
    for (const listener of [...this.#listeners]) listener(line);
  }
}

/** A JSON log line's field, or undefined (services log JSON lines; others print text). */
export function logField(line: string, field: string): unknown {
  if (!line.startsWith("{")) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return isIndexable(value) ? value[field] : undefined;
  } catch {
    return undefined;
  }
}
