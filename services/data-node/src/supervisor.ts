// supervise mode: redis-server is our child, so its exit is known at once (the 'exit' event),
// with code or signal. Plain spawn, no pdeathsig: redis keeps serving if the data-node dies.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { Logger } from "@sentinel-plane/runtime";
import { FENCE_MARKER } from "./fence.js";

export interface SupervisorOptions {
  readonly redis_server_path: string;
  readonly redis_config_path: string;
  readonly start_fenced: boolean;
  readonly stop_grace_ms: number;
}

export type ExitHandler = (code: number | null, signal: string | null) => void;

export class Supervisor {
  private child: ChildProcess | null = null;
  private readonly options: SupervisorOptions;
  private readonly logger: Logger;
  private readonly onExit: ExitHandler;

  constructor(options: SupervisorOptions, logger: Logger, onExit: ExitHandler) {
    this.options = options;
    this.logger = logger;
    this.onExit = onExit;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    if (this.child !== null) throw new Error("redis-server already running");
    const args = [this.options.redis_config_path];
    // Started fenced: a restarted old primary takes no write until the control plane decides.
    if (this.options.start_fenced) args.push("--min-replicas-to-write", String(FENCE_MARKER));
    const child = spawn(this.options.redis_server_path, args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        this.logger.info({ event: "redis_output", line }, "redis-server output");
      });
    }
    child.on("error", (error) => {
      this.logger.error({ event: "redis_spawn_failed", error: error.message }, "cannot start redis-server");
      // A failed spawn emits no 'exit': report it as an exit so the state is not stuck.
      if (child.pid === undefined && this.child === child) {
        this.child = null;
        this.onExit(127, null);
      }
    });
    child.once("exit", (code, signal) => {
      this.child = null;
      this.onExit(code, signal);
    });
    this.logger.info({ event: "redis_started", pid: child.pid ?? null, args }, "redis-server started");
  }

  /** SIGTERM, SIGKILL after stop_grace_ms; resolves when the child has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null) return;
    const exited = new Promise<void>((resolve) =>
      child.once("exit", () => {
        resolve();
      }),
    );
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), this.options.stop_grace_ms);
    await exited;
    clearTimeout(timer);
  }
}
