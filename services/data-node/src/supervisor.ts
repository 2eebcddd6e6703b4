// supervise mode: redis-server is our child, so its exit is known at once (the 'exit' event),
// with code or signal. Plain spawn, no pdeathsig: redis keeps serving if the data-node dies.
// A restarted data-node adopts the server its predecessor started (adopt.ts). An adopted server
// is not our child: no 'exit' event, no exit code. Its pid is polled every `adopted_poll_ms`
// (kill(pid, 0)); once the process is gone it is reported exited with code and signal unknown.
// Stopping it is the same SIGTERM, then SIGKILL after stop_grace_ms.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "@sentinel-plane/runtime";
import { errorMessage } from "@sentinel-plane/runtime";
import { pidAlive, writeChildRecord } from "./adopt.js";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";

export interface SupervisorOptions {
  readonly redis_server_path: string;
  readonly redis_config_path: string;
  readonly start_fenced: boolean;
  readonly stop_grace_ms: number;
  /** Where the pid record goes, so a restarted data-node can adopt the server. */
  readonly state_dir: string;
  /** How often an adopted server's pid is checked. */
  readonly adopted_poll_ms: number;
}

export type ExitHandler = (code: number | null, signal: string | null) => void;

interface Adopted {
  readonly pid: number;
  readonly timer: NodeJS.Timeout;
  readonly gone: Promise<void>;
}

export class Supervisor {
  #child: ChildProcess | null = null;
  #adopted: Adopted | null = null;
  readonly #options: SupervisorOptions;
  readonly #logger: Logger;
  readonly #onExit: ExitHandler;

  constructor(options: SupervisorOptions, logger: Logger, onExit: ExitHandler) {
    this.#options = options;
    this.#logger = logger;
    this.#onExit = onExit;
  }

  get pid(): number | null {
    return this.#child?.pid ?? this.#adopted?.pid ?? null;
  }

  /** `restart`: a restart after a crash, always fenced, with the restart plan's arguments. */
  start(restart: { readonly extra_args: readonly string[] } | null = null): void {
    if (this.#child !== null || this.#adopted !== null) throw new Error("redis-server already running");
    const args = [this.#options.redis_config_path, ...(restart?.extra_args ?? [])];
    // Started fenced: a restarted old primary takes no write until the control plane decides.
    if (this.#options.start_fenced || restart !== null)
      args.push("--min-replicas-to-write", String(FENCE_MARKER));
    const child = spawn(this.#options.redis_server_path, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.#child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        this.#logger.info({ event: "redis_output", line }, "redis-server output");
      });
    }
    child.on("error", (error) => {
      this.#logger.error({ event: "redis_spawn_failed", error: error.message }, "cannot start redis-server");
      // A failed spawn emits no 'exit': report it as an exit so the state is not stuck.
      if (child.pid === undefined && this.#child === child) {
        this.#child = null;
        this.#onExit(127, null);
      }
    });
    child.once("exit", (code, signal) => {
      this.#child = null;
      this.#onExit(code, signal);
    });
    this.#logger.info({ event: "redis_started", pid: child.pid ?? null, args }, "redis-server started");
    if (child.pid !== undefined) this.#recordPid(child.pid);
  }

  /** Watches a redis-server started by an earlier data-node (adopt.ts decided it is ours). */
  adopt(pid: number): void {
    if (this.#child !== null || this.#adopted !== null) throw new Error("redis-server already running");
    let resolveGone = (): void => undefined;
    const gone = new Promise<void>((resolve) => {
      resolveGone = resolve;
    });
    const timer = setInterval(() => {
      if (pidAlive(pid)) return;
      clearInterval(timer);
      if (this.#adopted?.pid === pid) this.#adopted = null;
      resolveGone();
      this.#logger.warn({ event: "redis_adopted_gone", pid }, "adopted redis-server is gone");
      this.#onExit(null, null); // not our child: code and signal are unknown
    }, this.#options.adopted_poll_ms);
    this.#adopted = { pid, timer, gone };
    this.#recordPid(pid);
  }

  /** Written after the spawn: a data-node killed before it leaves at worst the port evidence. */
  #recordPid(pid: number): void {
    const record = { v: 1, pid, redis_config_path: this.#options.redis_config_path } as const;
    writeChildRecord(this.#options.state_dir, record).then(
      (written) => {
        if (!written.ok)
          this.#logger.warn({ event: "pid_record_failed", error: written.error.message }, "pid not recorded");
      },
      (error: unknown) => {
        this.#logger.warn({ event: "pid_record_failed", error: errorMessage(error) }, "pid not recorded");
      },
    );
  }

  /** SIGTERM, SIGKILL after stop_grace_ms; resolves when the server has exited. */
  async stop(): Promise<void> {
    const adopted = this.#adopted;
    if (adopted !== null) {
      await this.#stopAdopted(adopted);
      return;
    }
    const child = this.#child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        resolve();
      }),
    );
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), this.#options.stop_grace_ms);
    await exited;
    clearTimeout(timer);
  }

  async #stopAdopted(adopted: Adopted): Promise<void> {
    const signal = (name: NodeJS.Signals): void => {
      try {
        process.kill(adopted.pid, name);
      } catch {
        // Already gone: the poll reports it.
      }
    };
    signal("SIGTERM");
    const timer = setTimeout(() => {
      signal("SIGKILL");
    }, this.#options.stop_grace_ms);
    await adopted.gone;
    clearTimeout(timer);
  }
}
