// A real nats-server with JetStream on and its own store dir, on a loopback port.
import { join } from "node:path";
import { ManagedProcess } from "./managed-process.js";
import type { ExitInfo } from "./managed-process.js";
import { LOOPBACK } from "./ports.js";
import { natsGreeting } from "./probes.js";

export interface NatsServerOptions {
  readonly name?: string;
  readonly user?: string;
  readonly pass?: string;
  /** A fixed client port (a test that starts a client before its server); free one otherwise. */
  readonly port?: number;
  /** A member of a JetStream cluster (see Harness.startNatsCluster). */
  readonly cluster?: NatsClusterMembership;
}

export interface NatsClusterMembership {
  readonly name: string;
  /** This server's route port. */
  readonly route_port: number;
  /** Route URLs of every member (its own is ignored by nats-server). */
  readonly routes: readonly string[];
  /** HTTP monitoring port (/jsz, /healthz). */
  readonly monitor_port: number;
}

export interface NatsLaunchSettings {
  readonly ready_timeout_ms: number;
  readonly signal: AbortSignal;
  readonly track: (proc: ManagedProcess) => void;
}

export class NatsServer {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  readonly store_dir: string;
  readonly options: NatsServerOptions;
  private proc: ManagedProcess | null = null;
  private readonly settings: NatsLaunchSettings;

  constructor(
    name: string,
    port: number,
    dir: string,
    options: NatsServerOptions,
    settings: NatsLaunchSettings,
  ) {
    this.name = name;
    this.port = port;
    this.dir = dir;
    this.store_dir = join(dir, "jetstream");
    this.options = options;
    this.settings = settings;
  }

  get url(): string {
    return `nats://${LOOPBACK}:${this.port}`;
  }

  get process(): ManagedProcess {
    if (this.proc === null) throw new Error(`${this.name} was never started`);
    return this.proc;
  }

  /** The monitoring endpoint of a cluster member (null for a lone server). */
  get monitor_url(): string | null {
    const cluster = this.options.cluster;
    return cluster === undefined ? null : `http://${LOOPBACK}:${cluster.monitor_port}`;
  }

  get pid(): number {
    return this.process.pid;
  }

  async launch(): Promise<"ready" | "bind_conflict"> {
    if (this.proc?.running === true) throw new Error(`${this.name} is already running`);
    const args = ["-js", "-sd", this.store_dir, "-a", LOOPBACK, "-p", String(this.port), "-n", this.name];
    if (this.options.user !== undefined) args.push("--user", this.options.user);
    if (this.options.pass !== undefined) args.push("--pass", this.options.pass);
    const cluster = this.options.cluster;
    if (cluster !== undefined) {
      args.push("--cluster_name", cluster.name, "--cluster", `nats://${LOOPBACK}:${cluster.route_port}`);
      args.push("--routes", cluster.routes.join(","), "-m", String(cluster.monitor_port));
    }
    const proc = ManagedProcess.spawn({
      name: this.name,
      command: "nats-server",
      args,
      log_path: join(this.dir, "nats.log"),
      cwd: this.dir,
    });
    this.proc = proc;
    this.settings.track(proc);
    try {
      await proc.waitForLine((line) => line.includes("Server is ready"), {
        timeout_ms: this.settings.ready_timeout_ms,
        signal: this.settings.signal,
      });
    } catch (error) {
      await proc.stop(500);
      if (/address already in use/i.test(proc.logs())) return "bind_conflict";
      throw new Error(`${this.name} did not become ready: ${(error as Error).message}\n${proc.logs()}`, {
        cause: error,
      });
    }
    await natsGreeting(this.port, this.settings.ready_timeout_ms);
    return "ready";
  }

  /** Stops and starts again on the same port with the same JetStream store. */
  async restart(grace_ms = 1000): Promise<void> {
    await this.stop(grace_ms);
    const outcome = await this.launch();
    if (outcome !== "ready") throw new Error(`${this.name}: port ${this.port} was taken while it was down`);
  }

  async stop(grace_ms = 1000): Promise<ExitInfo | null> {
    if (this.proc === null) return null;
    return this.proc.stop(grace_ms);
  }

  kill(signal: NodeJS.Signals): void {
    this.process.killNow(signal);
  }
}
