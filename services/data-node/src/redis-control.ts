// The data-node's side of Redis: one ioredis connection for probes and commands. One, because
// role changes run `CLIENT KILL TYPE normal` (SKIPME yes by default): a second connection of
// ours would be killed and show up as a false "not answering".
//
// The hang fence relies on this connection staying open while the server is stopped: a command
// written to it sits in the server's socket buffer and runs first when the process resumes. So
// nothing here drops it: the client's command timeout only rejects the promise (the bytes are
// already written; ioredis does not reconnect on it), no socketTimeout is set, TCP keepalive is
// answered by the kernel even for a stopped process, and close() is called only at shutdown.
// And probes do not pile up in front of a queued fence: while one waits for its answer, the next
// is not sent (a long queue could also let a new client's write be read before our fence).
import { performance } from "node:perf_hooks";
import { infoFields, parseInfo } from "@sentinel-plane/core";
import { err, ok, spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import { createRedisClient, errorMessage, withDeadline } from "@sentinel-plane/runtime";
import type { Logger, Redis, TlsMaterial } from "@sentinel-plane/runtime";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { Observation } from "@sentinel-plane/data-node-shell";

export interface RedisControlOptions {
  readonly host: string;
  readonly port: number;
  readonly user?: string;
  readonly password?: string;
  /** A redis-server on its tls-port (config redis.tls). */
  readonly tls?: TlsMaterial;
  readonly node_id: string;
  readonly probe_timeout_ms: number;
  readonly command_timeout_ms: number;
}

export type Step = readonly [name: string, args: readonly (string | number)[]];

export class RedisControl {
  readonly #client: Redis;
  readonly #options: RedisControlOptions;
  readonly #logger: Logger;
  #connected = false;
  /** performance.now() when the probe still waiting for its answer was sent. */
  #probe_sent_ms: number | null = null;

  constructor(options: RedisControlOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#client = createRedisClient({
      host: options.host,
      port: options.port,
      ...(options.user === undefined ? {} : { username: options.user }),
      ...(options.password === undefined ? {} : { password: options.password }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      connection_name: `sp-data-node-${options.node_id}`,
      connect_timeout_ms: options.probe_timeout_ms,
      // Probes race their own, shorter deadline; this bounds every command on the connection.
      command_timeout_ms: options.command_timeout_ms,
      retry_base_ms: 50,
      retry_max_ms: 500,
    });
    // Log transitions only: a down server makes ioredis retry (and error) several times a second.
    this.#client.on("ready", () => {
      if (!this.#connected) this.#logger.info({ event: "redis_connected" }, "connected to redis");
      this.#connected = true;
    });
    this.#client.on("error", (error: Error) => {
      if (this.#connected)
        this.#logger.warn({ event: "redis_error", error: error.message }, "redis connection error");
      this.#connected = false;
    });
    this.#client.on("close", () => {
      if (this.#connected) this.#logger.warn({ event: "redis_disconnected" }, "redis connection closed");
      this.#connected = false;
    });
  }

  /** Starts connecting; failures are retried with bounded back-off by the client. */
  start(): void {
    this.#client.connect().catch(() => undefined);
  }

  close(): void {
    this.#client.disconnect();
  }

  /** When the probe still waiting for its answer was sent (performance.now()); null if none. */
  unansweredSinceMs(): number | null {
    return this.#probe_sent_ms;
  }

  /**
   * INFO server+replication and min-replicas-to-write, within probe_timeout_ms. While an earlier
   * probe still waits for its answer, nothing is sent and the wait is reported as a timeout.
   */
  async probe(): Promise<Observation> {
    if (this.#probe_sent_ms !== null) {
      const waited_ms = Math.round(performance.now() - this.#probe_sent_ms);
      return this.#failed(`probe timed out: no answer for ${waited_ms} ms`);
    }
    const request = Promise.all([
      // keyspace and persistence: the restart's data check (restart-plan.ts) needs keys and loading.
      this.#client.call("INFO", "server", "replication", "keyspace", "persistence") as Promise<string>,
      this.#client.call("CONFIG", "GET", "min-replicas-to-write") as Promise<string[]>,
    ]);
    const sent_ms = performance.now();
    this.#probe_sent_ms = sent_ms;
    const settled = (): void => {
      if (this.#probe_sent_ms === sent_ms) this.#probe_sent_ms = null;
    };
    request.then(settled, settled);
    const probe_timeout_ms = this.#options.probe_timeout_ms;
    try {
      const [info_text, min_replicas] = await withDeadline(
        request,
        probe_timeout_ms,
        () => new Error(`probe timed out after ${probe_timeout_ms} ms`),
      );
      const parsed = parseInfo(info_text);
      if (!parsed.ok) return this.#failed(`INFO unreadable: ${parsed.reason}`);
      const value = Number(min_replicas[1]);
      const fields = infoFields(info_text);
      return {
        answered: true,
        info: parsed.info,
        min_replicas_to_write: Number.isSafeInteger(value) ? value : null,
        config_file: fields.get("config_file") ?? "",
        keys: keyCount(fields),
        loading: fields.get("loading") === "1",
        error: null,
      };
    } catch (error) {
      return this.#failed(errorMessage(error));
    }
  }

  /** CONFIG GET of each name (reinit needs the data files' paths); a failed read is an error. */
  async configGet(names: readonly string[]): Promise<Result<Map<string, string>>> {
    try {
      const values = new Map<string, string>();
      for (const name of names) {
        const reply = (await this.#client.call("CONFIG", "GET", name)) as string[];
        const value = reply[1];
        if (value !== undefined) values.set(name, value);
      }
      return ok(values);
    } catch (error) {
      return err(this.#commandError([["CONFIG", ["GET", ...names]]], error));
    }
  }

  #failed(error: string): Observation {
    return { answered: false, info: null, min_replicas_to_write: null, config_file: null, error };
  }

  /**
   * Runs the steps in one MULTI/EXEC (atomic: clients never see a half-done change). Errors of
   * steps marked optional (CONFIG REWRITE) are reported in `done`, not failed on.
   */
  async transaction(steps: readonly Step[], optional: ReadonlySet<string>): Promise<Result<string[]>> {
    const multi = this.#client.multi();
    for (const [name, args] of steps) multi.call(name, ...args.map(String));
    let results: [Error | null, unknown][] | null;
    try {
      results = await multi.exec();
    } catch (error) {
      return err(this.#commandError(steps, error));
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

  #commandError(steps: readonly Step[], error: unknown): SpError {
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

/** The fence (fence.ts says why this mechanism), kept across a restart when there is a file. */
export function fenceSteps(has_config_file: boolean): Step[] {
  const steps: Step[] = [["CONFIG", ["SET", "min-replicas-to-write", FENCE_MARKER]]];
  if (has_config_file) steps.push(["CONFIG", ["REWRITE"]]);
  return steps;
}

export const OPTIONAL_STEPS: ReadonlySet<string> = new Set(["CONFIG REWRITE"]);

/** The number of keys over all databases (INFO keyspace `dbN:keys=K,expires=...`). */
export function keyCount(fields: ReadonlyMap<string, string>): number {
  let keys = 0;
  for (const [name, value] of fields) {
    if (!/^db\d+$/.test(name)) continue;
    const match = /(?:^|,)keys=(\d+)/.exec(value);
    if (match?.[1] !== undefined) keys += Number(match[1]);
  }
  return keys;
}
