// The per-test owner of real processes. Everything it starts is killed by PID at teardown
// (SIGTERM, SIGKILL after a short grace), also when the test throws or times out; logs are
// printed when the test failed. Use `withProcesses(t, async (procs) => ...)` or `harness(t)`.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "@sentinel-plane/runtime";
import { isAlive, ManagedProcess } from "./managed-process.js";
import type { SpawnSpec } from "./managed-process.js";
import { NatsCluster } from "./nats-cluster.js";
import { NatsServer } from "./nats-server.js";
import type { NatsServerOptions } from "./nats-server.js";
import { BIND_ATTEMPTS_MAX, freePort } from "./ports.js";
import { RedisServer, writeRedisConfig } from "./redis-server.js";
import type { RedisServerOptions } from "./redis-server.js";
import { ServiceProcess } from "./service.js";
import type { ServiceOptions } from "./service.js";

/** The part of node:test's TestContext the harness uses. */
export interface HarnessTestContext {
  readonly name: string;
  readonly signal: AbortSignal;
  after(fn: () => Promise<void>): void;
}

export interface HarnessOptions {
  /** Grace between SIGTERM and SIGKILL at teardown. */
  readonly stop_grace_ms?: number;
  readonly ready_timeout_ms?: number;
  /** Lines of each process's log printed on failure. */
  readonly dump_lines_max?: number;
}

/** A redis config prepared for a process someone else starts (data-node's supervise mode). */
export interface PreparedRedis {
  readonly port: number;
  readonly dir: string;
  readonly config_path: string;
}

/** One `sentinel monitor` line of a Redis Sentinel started by the harness. */
export interface SentinelMonitor {
  readonly master_name: string;
  readonly host: string;
  readonly port: number;
  readonly quorum: number;
}

export interface RedisSentinelOptions {
  /** More sentinel.conf lines, after the monitor lines (e.g. `sentinel down-after-milliseconds`). */
  readonly config_lines?: readonly string[];
}

const ADOPTED_KILL_DEADLINE_MS = 5000;
/** Bound on redis-servers starting at once in `startRedisMany` (each forks and binds a port). */
const REDIS_START_CONCURRENCY_MAX = 64;

export class Harness {
  readonly name: string;
  readonly signal: AbortSignal;
  readonly #stop_grace_ms: number;
  readonly #ready_timeout_ms: number;
  readonly #dump_lines_max: number;
  #root: string | null = null;
  readonly #processes: ManagedProcess[] = [];
  readonly #adopted = new Set<number>();
  readonly #clients: Redis[] = [];
  readonly #cleanups: (() => Promise<void> | void)[] = [];
  #counter = 0;
  #failed = false;
  #closed = false;

  constructor(name: string, signal: AbortSignal, options: HarnessOptions = {}) {
    this.name = name.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 40);
    this.signal = signal;
    this.#stop_grace_ms = options.stop_grace_ms ?? 1000;
    this.#ready_timeout_ms = options.ready_timeout_ms ?? 15000;
    this.#dump_lines_max = options.dump_lines_max ?? 200;
  }

  /** The harness's temp dir (created on first use). */
  async tempRoot(): Promise<string> {
    this.#root ??= await mkdtemp(join(tmpdir(), `sp-${this.name}-`));
    return this.#root;
  }

  /** A fresh directory under the temp root. */
  async tempDir(label: string): Promise<string> {
    const dir = join(await this.tempRoot(), `${label}-${++this.#counter}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("harness already torn down");
  }

  #track = (proc: ManagedProcess): void => {
    this.#processes.push(proc);
  };

  #trackClient = (client: Redis): void => {
    this.#clients.push(client);
  };

  /** Every PID this harness started (current and past incarnations). */
  pids(): number[] {
    return [...this.#processes.map((p) => p.pid), ...this.#adopted];
  }

  /** Also kill this PID at teardown (a process started by a service under test). */
  adoptPid(pid: number): void {
    this.#adopted.add(pid);
  }

  /** Runs at teardown before the processes are stopped (close clients, connections...). */
  onCleanup(fn: () => Promise<void> | void): void {
    this.#cleanups.push(fn);
  }

  async prepareRedis(options: RedisServerOptions = {}): Promise<PreparedRedis> {
    this.#assertOpen();
    const dir = await this.tempDir(options.name ?? "redis");
    const port = await freePort();
    return { port, dir, config_path: await writeRedisConfig(port, dir, options) };
  }

  async startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
    for (let attempt = 1; attempt <= BIND_ATTEMPTS_MAX; attempt++) {
      const prepared = await this.prepareRedis(options);
      const name = options.name ?? `redis-${prepared.port}`;
      const server = new RedisServer(name, prepared.port, prepared.dir, prepared.config_path, options, {
        ready_timeout_ms: this.#ready_timeout_ms,
        signal: this.signal,
        track: this.#track,
        trackClient: this.#trackClient,
      });
      if ((await server.launch()) === "ready") return server;
    }
    throw new Error(`redis-server: no free port after ${BIND_ATTEMPTS_MAX} attempts`);
  }

  /**
   * `count` redis-servers started with at most `concurrency` launches in flight (scale
   * benchmarks start hundreds); all are tracked for teardown, also when one launch fails
   * (then no further launch begins). The result is in index order.
   */
  async startRedisMany(
    count: number,
    options_for: (index: number) => RedisServerOptions,
    concurrency = 8,
  ): Promise<RedisServer[]> {
    if (!Number.isInteger(count) || count < 0) throw new Error(`startRedisMany: bad count ${count}`);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > REDIS_START_CONCURRENCY_MAX)
      throw new Error(`startRedisMany: concurrency must be 1..${REDIS_START_CONCURRENCY_MAX}`);
    const servers: RedisServer[] = new Array<RedisServer>(count);
    // Created once before the launches: concurrent first calls of tempRoot() would each make one.
    await this.tempRoot();
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      // After a failure the other workers start nothing more: the caller is about to tear down.
      while (next < count && !failed) {
        const index = next++;
        try {
          servers[index] = await this.startRedis(options_for(index));
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
    return servers;
  }

  /**
   * A real Redis Sentinel (Debian's `redis-sentinel`) monitoring one primary, for side-by-side
   * tests; resolves once it logs `+monitor`. Stopped at teardown like everything else.
   * `config_lines` go after the monitor line (e.g. `sentinel down-after-milliseconds`).
   */
  async startRedisSentinel(
    monitor: SentinelMonitor & RedisSentinelOptions,
  ): Promise<{ readonly port: number; readonly process: ManagedProcess }> {
    const { config_lines, ...only } = monitor;
    return this.startRedisSentinelFor([only], config_lines === undefined ? {} : { config_lines });
  }

  /**
   * A real Redis Sentinel monitoring every master in `monitors` (one `sentinel monitor` line
   * each); resolves once it logs `+monitor` for all of them.
   */
  async startRedisSentinelFor(
    monitors: readonly SentinelMonitor[],
    options: RedisSentinelOptions = {},
  ): Promise<{ readonly port: number; readonly process: ManagedProcess }> {
    this.#assertOpen();
    const dir = await this.tempDir("redis-sentinel");
    const port = await freePort();
    const config = join(dir, "sentinel.conf");
    const lines = [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      "daemonize no",
      'logfile ""',
      ...monitors.map((m) => `sentinel monitor ${m.master_name} ${m.host} ${m.port} ${m.quorum}`),
      ...(options.config_lines ?? []),
    ];
    await writeFile(config, `${lines.join("\n")}\n`);
    const proc = ManagedProcess.spawn({
      name: "redis-sentinel",
      command: "redis-sentinel",
      args: [config],
      log_path: join(dir, "sentinel.log"),
      cwd: dir,
    });
    this.#track(proc);
    for (const monitor of monitors) {
      // The trailing space: `mymaster` must not match the line of `mymaster-1`.
      await proc.waitForLine((line) => line.includes(`+monitor master ${monitor.master_name} `), {
        timeout_ms: this.#ready_timeout_ms,
        signal: this.signal,
      });
    }
    return { port, process: proc };
  }

  async startNats(options: NatsServerOptions = {}): Promise<NatsServer> {
    for (let attempt = 1; attempt <= BIND_ATTEMPTS_MAX; attempt++) {
      this.#assertOpen();
      const dir = await this.tempDir(options.name ?? "nats");
      const port = options.port ?? (await freePort());
      const server = new NatsServer(options.name ?? `nats-${port}`, port, dir, options, {
        ready_timeout_ms: this.#ready_timeout_ms,
        signal: this.signal,
        track: this.#track,
      });
      if ((await server.launch()) === "ready") return server;
    }
    throw new Error(`nats-server: no free port after ${BIND_ATTEMPTS_MAX} attempts`);
  }

  /**
   * A JetStream cluster of `size` nats-servers routed to each other (`cluster { routes }`), each
   * with its own store dir, client, route and monitoring ports. Resolves once the JetStream meta
   * group has a leader and every member.
   */
  async startNatsCluster(
    size: number,
    options: Omit<NatsServerOptions, "cluster" | "name"> = {},
  ): Promise<NatsCluster> {
    this.#assertOpen();
    const cluster_name = `sp-${this.name}`.slice(0, 32);
    const members = [];
    for (let i = 0; i < size; i++) {
      members.push({
        name: `nats-${i}`,
        port: await freePort(),
        route_port: await freePort(),
        monitor_port: await freePort(),
      });
    }
    const routes = members.map((m) => `nats://127.0.0.1:${m.route_port}`);
    const servers = await Promise.all(
      members.map(async (m) => {
        const server = new NatsServer(
          m.name,
          m.port,
          await this.tempDir(m.name),
          {
            ...options,
            name: m.name,
            cluster: { name: cluster_name, route_port: m.route_port, monitor_port: m.monitor_port, routes },
          },
          { ready_timeout_ms: this.#ready_timeout_ms, signal: this.signal, track: this.#track },
        );
        if ((await server.launch()) !== "ready")
          throw new Error(`${m.name}: port taken, start the cluster again`);
        return server;
      }),
    );
    const cluster = new NatsCluster(cluster_name, servers);
    await cluster.waitForMeta(this.#ready_timeout_ms);
    return cluster;
  }

  /** Starts `node --import tsx <entry>`; its stdout JSON lines can be awaited. */
  async spawnService(options: ServiceOptions): Promise<ServiceProcess> {
    this.#assertOpen();
    const dir = await this.tempDir(options.name);
    const service = new ServiceProcess(options, join(dir, "service.log"), this.signal);
    this.#track(service.process);
    return service;
  }

  /**
   * Spawns any command as a tracked child (stopped at teardown like the rest), for processes the
   * other starters do not cover (e.g. a service under `node --cpu-prof`). Its output goes to
   * `process.log` in a fresh temp dir named after `spec.name`.
   */
  async spawnProcess(spec: Omit<SpawnSpec, "log_path">): Promise<ManagedProcess> {
    this.#assertOpen();
    const dir = await this.tempDir(spec.name);
    const proc = ManagedProcess.spawn({ ...spec, log_path: join(dir, "process.log") });
    this.#track(proc);
    return proc;
  }

  markFailed(): void {
    this.#failed = true;
  }

  /** Prints the tail of every process's output to stderr. */
  dumpLogs(): void {
    const parts: string[] = [
      `\n===== harness ${this.name}: process logs (temp dir ${this.#root ?? "-"}) =====`,
    ];
    for (const proc of this.#processes) {
      const lines = proc.logs().split("\n");
      parts.push(
        `----- ${proc.name} pid ${proc.pid} (${proc.log_path}), last ${this.#dump_lines_max} lines -----`,
      );
      parts.push(lines.slice(-this.#dump_lines_max).join("\n"));
    }
    process.stderr.write(`${parts.join("\n")}\n`);
  }

  /** Kills everything; idempotent. Keeps the temp dir when the test failed. */
  async teardown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#failed) this.dumpLogs();
    for (const fn of this.#cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`harness cleanup failed: ${String(error)}\n`);
      }
    }
    for (const client of this.#clients) client.disconnect();
    await Promise.all(this.#processes.map((proc) => proc.stop(this.#stop_grace_ms)));
    await this.#killAdopted();
    if (this.#root !== null && !this.#failed) await rm(this.#root, { recursive: true, force: true });
  }

  async #killAdopted(): Promise<void> {
    for (const pid of this.#adopted) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    // Not our children: no exit event to await, so poll their PIDs with a deadline.
    const deadline = Date.now() + ADOPTED_KILL_DEADLINE_MS;
    for (const pid of this.#adopted) {
      while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A harness torn down by `t.after` (which runs on success, throw and timeout alike). */
export function harness(t: HarnessTestContext, options: HarnessOptions = {}): Harness {
  const h = new Harness(t.name, t.signal, options);
  t.after(async () => {
    // node:test aborts t.signal before the after hooks only when the test timed out or was
    // cancelled; on success it aborts it later.
    if (t.signal.aborted) h.markFailed();
    await h.teardown();
  });
  return h;
}

/** Runs `body` with a harness; on a throw prints the logs, tears down, rethrows. */
export async function withProcesses<T>(
  t: HarnessTestContext,
  body: (procs: Harness) => Promise<T>,
  options: HarnessOptions = {},
): Promise<T> {
  const h = harness(t, options);
  try {
    return await body(h);
  } catch (error) {
    h.markFailed();
    await h.teardown();
    throw error;
  }
}
