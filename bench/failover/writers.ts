// The two writers every run drives through the failover. Each SETs a unique key (writer +
// sequence) about every 2 ms and records every OK with its arrival time and the port of the
// server that answered; an unacknowledged write is never retried (it is simply not counted).
//  - ioredis_sentinel: ioredis in sentinel mode with failoverDetector (it reconnects when a
//    sentinel publishes +switch-master).
//  - plain: a plain ioredis client to the address the sentinels name; on any error it asks
//    SENTINEL get-master-addr-by-name again (rotating over the sentinels) and moves if it changed.
// Timeouts are short and explicit so that client back-off does not dominate the outage.
import { Redis } from "ioredis";
import { directClient, LOOPBACK, sleep } from "./clients.js";
import { securityMode, sentinelModeOptions } from "./security.js";
import type { Ack, WriterName } from "./types.js";

export const WRITE_INTERVAL_MS = 2;
export const WRITER_CONNECT_TIMEOUT_MS = 100;
export const WRITER_COMMAND_TIMEOUT_MS = 100;
export const WRITER_RETRY_MS = 10;
export const SENTINEL_COMMAND_TIMEOUT_MS = 200;
/**
 * How long ioredis waits for the old socket to close after failoverDetector drops it before it
 * destroys it (default 2000 ms). A hung or cut-off primary never answers the FIN, so this wait
 * would otherwise be part of the outage.
 */
export const WRITER_DISCONNECT_TIMEOUT_MS = 20;
/** Writes per writer and run: far above what a run needs (a run lasts well under a minute). */
const WRITES_MAX = 1_000_000;
/** Reconnect attempts: more than a run can use at WRITER_RETRY_MS. */
const RECONNECTS_MAX = 20_000;

export interface Writer {
  readonly name: WriterName;
  readonly acks: Ack[];
  /** Writes that were not acknowledged (timeouts, READONLY, no connection...). */
  readonly errors: () => number;
  /** Clients recreated after ioredis ended one on its own (see CLIENT_RESTARTS_MAX). */
  readonly restarts: () => number;
  stop(): Promise<void>;
}

export const WRITER_SETTINGS: readonly string[] = [
  `each writer: SET <unique key> every ~${WRITE_INTERVAL_MS} ms (one at a time), no retry of a failed SET`,
  `ioredis_sentinel: ioredis 5 sentinel mode, failoverDetector true, connectTimeout ${WRITER_CONNECT_TIMEOUT_MS}, commandTimeout ${WRITER_COMMAND_TIMEOUT_MS}, sentinelCommandTimeout ${SENTINEL_COMMAND_TIMEOUT_MS}, disconnectTimeout ${WRITER_DISCONNECT_TIMEOUT_MS}, retryStrategy/sentinelRetryStrategy/sentinelReconnectStrategy ${WRITER_RETRY_MS} ms, maxRetriesPerRequest 0, enableOfflineQueue false, reconnectOnError READONLY -> reconnect, updateSentinels false; a client that ioredis ends on its own (status end) is replaced by a new one (counted as client_restarts)`,
  `plain: ioredis to the named master, connectTimeout ${WRITER_CONNECT_TIMEOUT_MS}, commandTimeout ${WRITER_COMMAND_TIMEOUT_MS}, retryStrategy ${WRITER_RETRY_MS} ms, enableOfflineQueue false; on any error SENTINEL get-master-addr-by-name (rotating, timeout ${SENTINEL_COMMAND_TIMEOUT_MS} ms) and reconnect if the address changed`,
];

interface Loop {
  running: boolean;
  errors: number;
}

/** The shared write loop: `write` resolves with the port that acknowledged. */
async function writeLoop(
  loop: Loop,
  prefix: string,
  acks: Ack[],
  write: (key: string) => Promise<number>,
  onError: () => Promise<void>,
): Promise<void> {
  for (let seq = 0; loop.running && seq < WRITES_MAX; seq++) {
    const key = `${prefix}:${seq}`;
    try {
      const port = await write(key);
      acks.push({ key, t_ms: performance.now(), port });
    } catch {
      loop.errors++;
      await onError();
    }
    await sleep(WRITE_INTERVAL_MS);
  }
}

function remotePort(client: Redis): number {
  // `stream` is typed as always present; before the first connection it is not.
  const stream = client.stream as Redis["stream"] | undefined;
  return stream?.remotePort ?? 0;
}

/**
 * ioredis 5.11 can end a sentinel-mode client for good: when a FailoverDetector left over from
 * the previous connection sees +switch-master while the client is reconnecting, it disconnects
 * the connector mid-connect and the client goes to status "end" (seen here in about 1 of 3
 * SIGKILL runs, either implementation). The writer then does what an application would have to
 * do: it creates a new client, and counts how often.
 */
const CLIENT_RESTARTS_MAX = 100;

export function startSentinelWriter(
  sentinel_ports: readonly number[],
  master_name: string,
  prefix: string,
): Writer {
  const loop: Loop = { running: true, errors: 0 };
  const retry = (attempt: number): number | null =>
    loop.running && attempt <= RECONNECTS_MAX ? WRITER_RETRY_MS : null;
  // The master the current client is connected to, taken when its connection is ready (after
  // ioredis' role check).
  let port = 0;
  let restarts = 0;
  const create = (): Redis => {
    const c = new Redis({
      sentinels: sentinel_ports.map((p) => ({ host: LOOPBACK, port: p })),
      name: master_name,
      role: "master",
      failoverDetector: true,
      updateSentinels: false,
      sentinelMaxConnections: 10,
      sentinelCommandTimeout: SENTINEL_COMMAND_TIMEOUT_MS,
      sentinelRetryStrategy: retry,
      sentinelReconnectStrategy: retry,
      connectionName: "bench-writer-sentinel",
      connectTimeout: WRITER_CONNECT_TIMEOUT_MS,
      commandTimeout: WRITER_COMMAND_TIMEOUT_MS,
      disconnectTimeout: WRITER_DISCONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      lazyConnect: false,
      keepAlive: 1000,
      noDelay: true,
      retryStrategy: retry,
      reconnectOnError: (error: Error) => (error.message.startsWith("READONLY") ? 1 : false),
      ...sentinelModeOptions(securityMode()),
    });
    c.on("error", () => undefined); // counted through the rejected writes
    c.on("ready", () => {
      port = remotePort(c);
    });
    c.once("end", () => {
      if (!loop.running || restarts >= CLIENT_RESTARTS_MAX) return;
      restarts++;
      port = 0;
      client = create();
    });
    return c;
  };
  let client = create();
  const acks: Ack[] = [];
  const running = writeLoop(
    loop,
    `${prefix}:s`,
    acks,
    async (key) => {
      await client.set(key, "1");
      return port;
    },
    () => Promise.resolve(),
  );
  return {
    name: "ioredis_sentinel",
    acks,
    errors: () => loop.errors,
    restarts: () => restarts,
    async stop() {
      loop.running = false;
      await running;
      client.disconnect();
    },
  };
}

export function startPlainWriter(
  sentinel_ports: readonly number[],
  master_name: string,
  prefix: string,
): Writer {
  const loop: Loop = { running: true, errors: 0 };
  const sentinels = sentinel_ports.map((p) =>
    directClient(p, {
      connection_name: "bench-writer-plain-ask",
      target: "sentinel",
      connect_timeout_ms: SENTINEL_COMMAND_TIMEOUT_MS,
      command_timeout_ms: SENTINEL_COMMAND_TIMEOUT_MS,
      retry_ms: WRITER_RETRY_MS,
      retries_max: RECONNECTS_MAX,
    }),
  );
  for (const s of sentinels) s.connect().catch(() => undefined);
  let next_sentinel = 0;
  /** The master's port as the next sentinel names it (the others in turn if it fails), or null. */
  const ask = async (): Promise<number | null> => {
    for (let i = 0; i < sentinels.length; i++) {
      const s = sentinels[next_sentinel];
      next_sentinel = (next_sentinel + 1) % sentinels.length;
      try {
        const reply = await s?.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name);
        const port = Array.isArray(reply) ? Number(reply[1]) : Number.NaN;
        if (Number.isInteger(port) && port > 0) return port;
      } catch {
        // the next sentinel
      }
    }
    return null;
  };
  const connectTo = (p: number): Redis => {
    const c = directClient(p, {
      connection_name: "bench-writer-plain",
      target: "redis",
      connect_timeout_ms: WRITER_CONNECT_TIMEOUT_MS,
      command_timeout_ms: WRITER_COMMAND_TIMEOUT_MS,
      retry_ms: WRITER_RETRY_MS,
      retries_max: RECONNECTS_MAX,
    });
    c.connect().catch(() => undefined); // ioredis keeps reconnecting; writes fail until ready
    return c;
  };
  let port = 0;
  let client: Redis | null = null;
  const acks: Ack[] = [];
  const move = async (): Promise<void> => {
    const named = await ask();
    if (named === null || named === port) return;
    client?.disconnect();
    port = named;
    client = connectTo(port);
  };
  const running = (async () => {
    await move();
    await writeLoop(
      loop,
      `${prefix}:p`,
      acks,
      async (key) => {
        if (client === null) throw new Error("no master known yet");
        const answered_by = port;
        await client.set(key, "1");
        return answered_by;
      },
      move,
    );
  })();
  return {
    name: "plain",
    acks,
    errors: () => loop.errors,
    restarts: () => 0,
    async stop() {
      loop.running = false;
      await running;
      client?.disconnect();
      for (const s of sentinels) s.disconnect();
    },
  };
}
