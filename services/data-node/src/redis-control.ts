// The data-node's side of Redis: one ioredis connection for probes and commands. One, because
// role changes run `CLIENT KILL TYPE normal` (SKIPME yes by default): a second connection of
// ours would be killed and show up as a false "not answering".
import { infoFields, parseInfo } from "@sentinel-plane/core";
import { err, ok, spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import { createRedisClient, errorMessage } from "@sentinel-plane/runtime";
import type { Logger, Redis } from "@sentinel-plane/runtime";
import type { Observation } from "./report.js";

export interface RedisControlOptions {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  readonly node_id: string;
  readonly probe_timeout_ms: number;
  readonly command_timeout_ms: number;
}

type Step = readonly [name: string, args: readonly (string | number)[]];

function timeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

export class RedisControl {
  private readonly client: Redis;
  private readonly options: RedisControlOptions;
  private readonly logger: Logger;
  private connected = false;

  constructor(options: RedisControlOptions, logger: Logger) {
    this.options = options;
    this.logger = logger;
    this.client = createRedisClient({
      host: options.host,
      port: options.port,
      ...(options.user === undefined ? {} : { username: options.user }),
      ...(options.password === undefined ? {} : { password: options.password }),
      connection_name: `sp-data-node-${options.node_id}`,
      connect_timeout_ms: options.probe_timeout_ms,
      // Probes race their own, shorter deadline; this bounds every command on the connection.
      command_timeout_ms: options.command_timeout_ms,
      retry_base_ms: 50,
      retry_max_ms: 500,
    });
    // Log transitions only: a down server makes ioredis retry (and error) several times a second.
    this.client.on("ready", () => {
      if (!this.connected) this.logger.info({ event: "redis_connected" }, "connected to redis");
      this.connected = true;
    });
    this.client.on("error", (error: Error) => {
      if (this.connected)
        this.logger.warn({ event: "redis_error", error: error.message }, "redis connection error");
      this.connected = false;
    });
    this.client.on("close", () => {
      if (this.connected) this.logger.warn({ event: "redis_disconnected" }, "redis connection closed");
      this.connected = false;
    });
  }

  /** Starts connecting; failures are retried with bounded back-off by the client. */
  start(): void {
    this.client.connect().catch(() => undefined);
  }

  close(): void {
    this.client.disconnect();
  }

  /** INFO server+replication and min-replicas-to-write, within probe_timeout_ms. */
  async probe(): Promise<Observation> {
    try {
      const [info_text, min_replicas] = await timeout(
        Promise.all([
          this.client.call("INFO", "server", "replication") as Promise<string>,
          this.client.call("CONFIG", "GET", "min-replicas-to-write") as Promise<string[]>,
        ]),
        this.options.probe_timeout_ms,
        "probe",
      );
      const parsed = parseInfo(info_text);
      if (!parsed.ok) return this.failed(`INFO unreadable: ${parsed.reason}`);
      const value = Number(min_replicas[1]);
      return {
        answered: true,
        info: parsed.info,
        min_replicas_to_write: Number.isSafeInteger(value) ? value : null,
        config_file: infoFields(info_text).get("config_file") ?? "",
        error: null,
      };
    } catch (error) {
      return this.failed(errorMessage(error));
    }
  }

  private failed(error: string): Observation {
    return { answered: false, info: null, min_replicas_to_write: null, config_file: null, error };
  }

  /**
   * Runs the steps in one MULTI/EXEC (atomic: clients never see a half-done change). Errors of
   * steps marked optional (CONFIG REWRITE) are reported in `done`, not failed on.
   */
  async transaction(steps: readonly Step[], optional: ReadonlySet<string>): Promise<Result<string[]>> {
    const multi = this.client.multi();
    for (const [name, args] of steps) multi.call(name, ...args.map(String));
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (error) {
      return err(this.commandError(steps, error));
    }
    if (results === null)
      return err(spError("SP_ERR_REDIS_COMMAND_FAILED", ["MULTI/EXEC", "transaction aborted"]));
    const done: string[] = [];
    for (const [index, [name, args]] of steps.entries()) {
      const text = [name, ...args.map(String)].join(" ");
      const [stepError, reply] = results[index] ?? [new Error("no reply"), null];
      if (stepError === null) {
        done.push(typeof reply === "number" ? `${text} (${reply})` : text);
      } else if (optional.has(text)) {
        done.push(`${text} failed (ignored): ${stepError.message}`);
      } else {
        return err(spError("SP_ERR_REDIS_COMMAND_FAILED", [text, stepError.message]));
      }
    }
    return ok(done);
  }

  private commandError(steps: readonly Step[], error: unknown): SpError {
    const names = steps.map(([name, args]) => [name, ...args.map(String)].join(" ")).join("; ");
    const message = errorMessage(error);
    if (/closed|writeable|ECONNREFUSED|timed out|ETIMEDOUT/i.test(message)) {
      return spError("SP_ERR_REDIS_UNAVAILABLE", [message], error);
    }
    return spError("SP_ERR_REDIS_COMMAND_FAILED", [names, message], error);
  }
}

/**
 * The role change as Sentinel's sentinelSendSlaveOf does it: REPLICAOF, CONFIG REWRITE (only
 * when the server has a config file, so the role survives a restart), then disconnect normal
 * and pub/sub clients so they reconnect and re-discover the primary. `before` runs first in the
 * same transaction (promote lifts the fence there).
 */
export function roleChangeSteps(
  target: { readonly host: string; readonly port: number } | null,
  has_config_file: boolean,
  before: readonly Step[],
): Step[] {
  const steps: Step[] = [...before];
  steps.push(target === null ? ["REPLICAOF", ["NO", "ONE"]] : ["REPLICAOF", [target.host, target.port]]);
  if (has_config_file) steps.push(["CONFIG", ["REWRITE"]]);
  steps.push(["CLIENT", ["KILL", "TYPE", "normal"]], ["CLIENT", ["KILL", "TYPE", "pubsub"]]);
  return steps;
}

export const OPTIONAL_STEPS: ReadonlySet<string> = new Set(["CONFIG REWRITE"]);
