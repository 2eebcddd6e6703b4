// A child process the harness owns: spawned through `setpriv --pdeathsig KILL` (so it dies with
// the test process even on SIGKILL; setpriv execs, the PID stays the server's), its output kept
// in a bounded ring buffer and a log file, and awaitable log lines (event-based, no sleeping).
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import type { WriteStream } from "node:fs";
import { createInterface } from "node:readline";

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly log_path: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Lines kept in memory for `logs()` and late `waitForLine` calls. */
  readonly ring_lines_max?: number;
}

export interface WaitOptions {
  readonly timeout_ms: number;
  /** Only lines with an index >= since (see `lineCount()`); 0 = every retained line. */
  readonly since?: number;
  readonly signal?: AbortSignal;
}

const SETPRIV = "/usr/bin/setpriv";
const RING_LINES_DEFAULT = 4000;

/** Every live child of every harness in this process, killed by the 'exit' hook. */
const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const proc of live) proc.killNow("SIGKILL");
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return !(error instanceof Error && "code" in error && error.code === "ESRCH");
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly log_path: string;
  /** Resolves when the process has exited and been reaped (its PID is gone). */
  readonly exited: Promise<ExitInfo>;
  #exit: ExitInfo | null = null;
  readonly #ring: { readonly index: number; readonly line: string }[] = [];
  readonly #ring_max: number;
  #line_count = 0;
  readonly #listeners = new Set<(index: number, line: string) => void>();
  readonly #file: WriteStream;

  private constructor(spec: SpawnSpec, child: ChildProcess, pid: number) {
    this.name = spec.name;
    this.pid = pid;
    this.log_path = spec.log_path;
    this.#ring_max = spec.ring_lines_max ?? RING_LINES_DEFAULT;
    this.#file = createWriteStream(spec.log_path, { flags: "a" });
    this.#file.on("error", () => undefined); // a log file problem must not fail a test
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      lines.on("line", (line) => {
        this.#push(line);
      });
    }
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        live.delete(this);
        this.#push(`[harness] ${this.name} (pid ${pid}) exited code=${code} signal=${signal}`);
        this.#file.end();
        resolve(this.#exit);
      });
    });
  }

  static spawn(spec: SpawnSpec): ManagedProcess {
    installExitHook();
    const child = spawn(SETPRIV, ["--pdeathsig", "KILL", "--", spec.command, ...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...(spec.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error(`could not spawn ${spec.command}`);
    const proc = new ManagedProcess(spec, child, child.pid);
    live.add(proc);
    child.on("error", (error) => {
      proc.#push(`[harness] spawn error: ${error.message}`);
    });
    return proc;
  }

  get exitInfo(): ExitInfo | null {
    return this.#exit;
  }

  get running(): boolean {
    return this.#exit === null;
  }

  lineCount(): number {
    return this.#line_count;
  }

  /** The retained output, oldest first. */
  logs(): string {
    return this.#ring.map((entry) => entry.line).join("\n");
  }

  #push(line: string): void {
    const index = this.#line_count++;
    this.#ring.push({ index, line });
    if (this.#ring.length > this.#ring_max) this.#ring.shift();
    this.#file.write(`${line}\n`);
    for (const listener of this.#listeners) listener(index, line);
  }

  /** Resolves with the first line matching `predicate`; rejects on exit, timeout or abort. */
  waitForLine(predicate: (line: string) => boolean, options: WaitOptions): Promise<string> {
    const since = options.since ?? 0;
    for (const entry of this.#ring)
      if (entry.index >= since && predicate(entry.line)) return Promise.resolve(entry.line);
    return new Promise<string>((resolve, reject) => {
      const done = (error: Error | null, line?: string): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        options.signal?.removeEventListener("abort", onAbort);
        if (error !== null) reject(error);
        else resolve(line ?? "");
      };
      const listener = (index: number, line: string): void => {
        if (index >= since && predicate(line)) done(null, line);
      };
      const onAbort = (): void => {
        done(new Error(`${this.name}: wait aborted`));
      };
      const timer = setTimeout(() => {
        done(new Error(`${this.name}: no matching line within ${options.timeout_ms} ms`));
      }, options.timeout_ms);
      this.#listeners.add(listener);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      void this.exited.then((info) => {
        done(
          new Error(`${this.name} exited (code=${info.code} signal=${info.signal}) before the awaited line`),
        );
      });
    });
  }

  /** Sends a signal if the process is still ours and alive; never throws. */
  killNow(signal: NodeJS.Signals): void {
    if (this.#exit !== null) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // Already gone: the 'exit' event follows.
    }
  }

  /** SIGTERM, then SIGKILL after `grace_ms`; resolves once the PID is reaped. */
  async stop(grace_ms: number): Promise<ExitInfo> {
    if (this.#exit !== null) return this.#exit;
    this.killNow("SIGTERM");
    this.killNow("SIGCONT"); // a SIGSTOPped process handles the SIGTERM now, not after the grace
    const timer = setTimeout(() => {
      this.killNow("SIGKILL");
    }, grace_ms);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
