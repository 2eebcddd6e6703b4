// The benchmark's own short-timeout ioredis clients to one address (a Redis or a sentinel's RESP
// port). Every timeout and retry is spelled out: the client's back-off must not dominate what is
// measured, and nothing may retry for ever.
import { Redis } from "ioredis";
import type { RedisOptions } from "ioredis";
import { connectionOptions, securityMode } from "./security.js";
import type { Target } from "./security.js";

export const LOOPBACK = "127.0.0.1";

export interface DirectClientOptions {
  readonly connection_name: string;
  readonly connect_timeout_ms: number;
  readonly command_timeout_ms: number;
  /** Delay between reconnect attempts. */
  readonly retry_ms: number;
  /** Reconnect attempts before the client gives up (it is then useless). */
  readonly retries_max: number;
  /** A Sentinel port or a redis-server: decides the password and TLS of the run's security mode. */
  readonly target: Target;
}

export const DIRECT_DEFAULTS: DirectClientOptions = {
  connection_name: "bench-failover",
  connect_timeout_ms: 500,
  command_timeout_ms: 1000,
  retry_ms: 20,
  retries_max: 10_000,
  target: "redis",
};

export function directOptions(port: number, options: DirectClientOptions): RedisOptions {
  return {
    host: LOOPBACK,
    port,
    connectionName: options.connection_name,
    connectTimeout: options.connect_timeout_ms,
    commandTimeout: options.command_timeout_ms,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    autoResubscribe: true,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
    keepAlive: 1000,
    noDelay: true,
    disconnectTimeout: 200,
    retryStrategy: (attempt: number) => (attempt > options.retries_max ? null : options.retry_ms),
    reconnectOnError: () => false,
    ...connectionOptions(securityMode(), options.target),
  };
}

/** A client (not yet connected: call connect()) whose errors are the caller's to observe. */
export function directClient(port: number, options: Partial<DirectClientOptions> = {}): Redis {
  const client = new Redis(directOptions(port, { ...DIRECT_DEFAULTS, ...options }));
  client.on("error", () => undefined); // reported through the rejected commands
  return client;
}

/** The PID of the redis-server on `port` (INFO server process_id). */
export async function redisPid(port: number): Promise<number> {
  const client = directClient(port, { connection_name: "bench-pid" });
  try {
    await client.connect();
    const pid = Number(/process_id:(\d+)/.exec(await client.info("server"))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process_id in INFO of port ${port}`);
    return pid;
  } finally {
    client.disconnect();
  }
}

/** Polls `check` every `interval_ms` until it returns true; throws after `timeout_ms`. */
export async function until(
  what: string,
  check: () => Promise<boolean>,
  options: { readonly timeout_ms: number; readonly interval_ms: number },
): Promise<void> {
  const deadline = performance.now() + options.timeout_ms;
  let last = "";
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      last = String(error);
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not within ${options.timeout_ms} ms${last === "" ? "" : ` (${last})`}`);
    }
    await sleep(options.interval_ms);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or a rejection as soon as `signal` aborts (an interrupted benchmark stops waiting). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("interrupted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new Error("interrupted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
