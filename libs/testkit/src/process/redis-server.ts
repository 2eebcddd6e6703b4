// A real redis-server with its own temp dir and a config file written by the harness.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createRedisClient } from "@sentinel-plane/runtime";
import { supervisedRedisServerLines, tlsOnlyServerLines } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import type { WaitOptions } from "./managed-process.js";
import { HarnessServer } from "./harness-server.js";
import type { LaunchOutcome, ServerLaunchSettings } from "./harness-server.js";
import { LOOPBACK } from "./ports.js";
import { redisPing } from "./probes.js";

export interface RedisServerOptions {
  readonly name?: string;
  /** `requirepass` (the default user's password). */
  readonly password?: string;
  /** Credentials this server uses towards its primary when it is a replica. */
  readonly masterauth?: string;
  readonly masteruser?: string;
  /** ACL users (`user <name> on ><password> <rules>`), rules default `~* &* +@all`. */
  readonly acl_users?: readonly {
    readonly name: string;
    readonly password: string;
    readonly rules?: string;
  }[];
  readonly replicaof?: { readonly host: string; readonly port: number };
  /**
   * TLS only (`port 0`, `tls-port` = the chosen port, tls-replication yes, client certificates
   * required): the files of makeThrowawayCerts.
   */
  readonly tls?: { readonly ca_file: string; readonly cert_file: string; readonly key_file: string };
  /** More config file lines, appended last. */
  readonly config_lines?: readonly string[];
  /** Extra command-line arguments after the config file (e.g. `--min-replicas-to-write 1`). */
  readonly args?: readonly string[];
}

export interface RedisLaunchSettings extends ServerLaunchSettings {
  readonly trackClient: (client: Redis) => void;
}

/** The config file text: loopback only, no persistence, fast diskless sync, logs on stdout. */
export function redisConfigText(port: number, dir: string, options: RedisServerOptions): string {
  const tls = options.tls;
  const lines = [
    ...(tls === undefined ? [`port ${port}`] : tlsOnlyServerLines(port, tls)),
    `bind ${LOOPBACK}`,
    `dir ${dir}`,
    `save ""`,
    "appendonly no",
    ...supervisedRedisServerLines(),
  ];
  if (options.password !== undefined) lines.push(`requirepass ${options.password}`);
  if (options.masterauth !== undefined) lines.push(`masterauth ${options.masterauth}`);
  if (options.masteruser !== undefined) lines.push(`masteruser ${options.masteruser}`);
  for (const user of options.acl_users ?? []) {
    lines.push(`user ${user.name} on >${user.password} ${user.rules ?? "~* &* +@all"}`);
  }
  if (options.replicaof !== undefined)
    lines.push(`replicaof ${options.replicaof.host} ${options.replicaof.port}`);
  lines.push(...(options.config_lines ?? []));
  return `${lines.join("\n")}\n`;
}

export async function writeRedisConfig(
  port: number,
  dir: string,
  options: RedisServerOptions,
): Promise<string> {
  const path = join(dir, "redis.conf");
  await writeFile(path, redisConfigText(port, dir, options));
  return path;
}

export class RedisServer extends HarnessServer {
  readonly host = LOOPBACK;
  readonly dir: string;
  readonly config_path: string;
  readonly options: RedisServerOptions;
  readonly #settings: RedisLaunchSettings;

  constructor(
    name: string,
    port: number,
    dir: string,
    config_path: string,
    options: RedisServerOptions,
    settings: RedisLaunchSettings,
  ) {
    super(name, port, settings);
    this.dir = dir;
    this.config_path = config_path;
    this.options = options;
    this.#settings = settings;
  }

  get address(): { readonly host: string; readonly port: number } {
    return { host: this.host, port: this.port };
  }

  /** The ready line, then a PONG. */
  protected override async start(): Promise<LaunchOutcome> {
    const outcome = await this.spawnUntilReady(
      {
        name: this.name,
        command: "redis-server",
        args: [this.config_path, ...(this.options.args ?? [])],
        log_path: join(this.dir, "redis.log"),
        cwd: this.dir,
      },
      {
        isReadyLine: (line) => line.includes("Ready to accept connections"),
        isBindConflict: (logs) => logs.includes("Address already in use"),
      },
    );
    if (outcome !== "ready") return outcome;
    await redisPing(this.port, this.auth(), this.#settings.ready_timeout_ms, this.options.tls ?? null);
    return "ready";
  }

  /** Credentials of the default user (requirepass). */
  auth(): { readonly password?: string } {
    return this.options.password === undefined ? {} : { password: this.options.password };
  }

  /** A connected ioredis client (explicit timeouts), closed by the harness at teardown. */
  async client(credentials?: { readonly username?: string; readonly password?: string }): Promise<Redis> {
    const auth = credentials ?? this.auth();
    const client = createRedisClient({
      host: this.host,
      port: this.port,
      ...auth,
      connection_name: `testkit-${this.name}`,
      connect_timeout_ms: 2000,
      command_timeout_ms: 5000,
      retry_base_ms: 50,
      retry_max_ms: 500,
    });
    this.#settings.trackClient(client);
    await client.connect();
    return client;
  }

  waitForLine(predicate: (line: string) => boolean, options: Omit<WaitOptions, "signal">): Promise<string> {
    return this.process.waitForLine(predicate, { ...options, signal: this.#settings.signal });
  }

  /** Resolves when this replica (current incarnation) logs a finished full or partial sync. */
  waitForSync(timeout_ms: number): Promise<string> {
    return this.waitForLine(
      (line) =>
        line.includes("MASTER <-> REPLICA sync: Finished with success") ||
        line.includes("Successful partial resynchronization with master"),
      { timeout_ms },
    );
  }
}
