// Small helpers for cross-service tests that talk to Redis directly.
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import type { Harness } from "@sentinel-plane/testkit";

/**
 * Bound on connection attempts of one test client. A role change (REPLICAOF with Sentinel's
 * `CLIENT KILL TYPE normal`) closes a connection still in its ready check, and the event a test
 * waits on (`+convert-to-slave`, say) is emitted as the command is sent: connecting right after
 * it races with the kill.
 */
const CONNECT_ATTEMPTS_MAX = 10;

/** A connected client with short, explicit timeouts; closed by the harness. */
export async function redisClient(procs: Harness, port: number): Promise<Redis> {
  for (let attempt = 1; ; attempt++) {
    const client = createRedisClient({
      host: "127.0.0.1",
      port,
      connection_name: "e2e-test",
      connect_timeout_ms: 1000,
      command_timeout_ms: 2000,
      retry_base_ms: 50,
      retry_max_ms: 200,
    });
    client.on("error", () => undefined);
    procs.onCleanup(() => {
      client.disconnect();
    });
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.disconnect();
      const killed = error instanceof Error && error.message === "Connection is closed.";
      if (!killed || attempt >= CONNECT_ATTEMPTS_MAX) throw error;
    }
  }
}

/**
 * Runs `use` on a client of its own, closed after: for polls across a restart or a role change,
 * which close the connections a server had (a client kept across them fails with "Connection is
 * closed.").
 */
export async function withFreshClient<T>(
  procs: Harness,
  port: number,
  use: (client: Redis) => Promise<T>,
): Promise<T> {
  const client = await redisClient(procs, port);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/**
 * The PID of the redis-server on `port` (from INFO), adopted by the harness for teardown. A
 * connection closed under the INFO is asked again on a new one, as redisClient does for the
 * connect. (Added for the console test's "Connection is closed." in CI, 2026-12-05; that one
 * turned out to be a primary already killed by its watchdog: see console.serial.test.ts.)
 */
export async function redisPid(procs: Harness, port: number): Promise<number> {
  const info = await serverInfo(procs, port);
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process_id in INFO of port ${port}`);
  procs.adoptPid(pid);
  return pid;
}

/** INFO server, asked again on a new connection when one is closed under it. */
async function serverInfo(procs: Harness, port: number): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withFreshClient(procs, port, (client) => client.info("server"));
    } catch (error) {
      const killed = error instanceof Error && error.message === "Connection is closed.";
      if (!killed || attempt >= CONNECT_ATTEMPTS_MAX) throw error;
    }
  }
}

/** Resolves when `check` returns a value other than null; polls an observable state. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null>,
  options: { readonly timeout_ms: number; readonly interval_ms: number },
): Promise<T> {
  const deadline = performance.now() + options.timeout_ms;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    if (performance.now() > deadline) {
      throw new Error(`${what}: not reached within ${options.timeout_ms} ms (last error: ${String(last)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.interval_ms));
  }
}

/** The keys of `keys` that `client` does not have (checked in batches of 500). */
export async function missingKeys(client: Redis, keys: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    const batch = keys.slice(i, i + 500);
    const values = await client.mget(...batch);
    batch.forEach((key, j) => {
      if (values[j] === null) missing.push(key);
    });
  }
  return missing;
}
