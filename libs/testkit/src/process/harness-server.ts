// What the harness's servers (redis-server, nats-server) share: one process at a time on a fixed
// port, started by spawning it and waiting for its ready line, stopped, signalled and restarted
// alike. A port taken since freePort chose it is an outcome ("bind_conflict": the harness tries
// another port), not an error: any other failure to start throws with the server's log.
import { errorMessage } from "@sentinel-plane/runtime";
import { ManagedProcess } from "./managed-process.js";
import type { ExitInfo, SpawnSpec } from "./managed-process.js";

export type LaunchOutcome = "ready" | "bind_conflict";

export interface ServerLaunchSettings {
  readonly ready_timeout_ms: number;
  readonly signal: AbortSignal;
  readonly track: (proc: ManagedProcess) => void;
}

/** How a server's output says it is up, and that its port was taken. */
export interface ServerReadiness {
  readonly isReadyLine: (line: string) => boolean;
  readonly isBindConflict: (logs: string) => boolean;
}

export abstract class HarnessServer {
  readonly name: string;
  readonly port: number;
  #proc: ManagedProcess | null = null;
  readonly #launch: ServerLaunchSettings;

  protected constructor(name: string, port: number, settings: ServerLaunchSettings) {
    this.name = name;
    this.port = port;
    this.#launch = settings;
  }

  get process(): ManagedProcess {
    if (this.#proc === null) throw new Error(`${this.name} was never started`);
    return this.#proc;
  }

  get pid(): number {
    return this.process.pid;
  }

  /** Whether the current process is alive (false before the first launch). */
  get running(): boolean {
    return this.#proc?.running === true;
  }

  /** Starts the process and waits until it serves (its ready line, then its own probe). */
  async launch(): Promise<LaunchOutcome> {
    if (this.running) throw new Error(`${this.name} is already running`);
    return this.start();
  }

  /** The server's own start: its files and arguments, spawnUntilReady, then a probe. */
  protected abstract start(): Promise<LaunchOutcome>;

  /** Spawns the server and waits for its ready line; a server that did not get there is stopped. */
  protected async spawnUntilReady(spec: SpawnSpec, readiness: ServerReadiness): Promise<LaunchOutcome> {
    const proc = ManagedProcess.spawn(spec);
    this.#proc = proc;
    this.#launch.track(proc);
    try {
      await proc.waitForLine(readiness.isReadyLine, {
        timeout_ms: this.#launch.ready_timeout_ms,
        signal: this.#launch.signal,
      });
    } catch (error) {
      await proc.stop(500);
      if (readiness.isBindConflict(proc.logs())) return "bind_conflict";
      throw new Error(`${this.name} did not become ready: ${errorMessage(error)}\n${proc.logs()}`, {
        cause: error,
      });
    }
    return "ready";
  }

  /** Stops (SIGTERM, then SIGKILL) and starts again on the same port with the same files. */
  async restart(grace_ms = 1000): Promise<void> {
    await this.stop(grace_ms);
    const outcome = await this.launch();
    if (outcome !== "ready") throw new Error(`${this.name}: port ${this.port} was taken while it was down`);
  }

  async stop(grace_ms = 1000): Promise<ExitInfo | null> {
    if (this.#proc === null) return null;
    return this.#proc.stop(grace_ms);
  }

  /** Sends a signal by PID (SIGKILL, SIGSTOP, SIGCONT...). */
  kill(signal: NodeJS.Signals): void {
    this.process.killNow(signal);
  }
}
