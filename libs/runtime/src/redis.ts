// ioredis clients with every timeout and retry option explicit. No offline queue: a command on
// a broken connection fails at once instead of waiting, so callers see the outage immediately.
import { Redis } from "ioredis";
import type { TlsMaterial } from "./tls-files.js";

export { Redis };

export interface RedisClientOptions {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly connection_name: string;
  /** TLS (a redis-server with tls-port): CAs to trust, and a client certificate if it asks. */
  readonly tls?: TlsMaterial;
  readonly connect_timeout_ms: number;
  readonly command_timeout_ms: number;
  /** Reconnect back-off: `retry_base_ms * attempt`, capped at `retry_max_ms`; never gives up. */
  readonly retry_base_ms: number;
  readonly retry_max_ms: number;
  /**
   * INFO `loading` check before the first command (ioredis' ready check); default true. Probes
   * turn it off: Sentinel PINGs a fresh link at once, and a link waiting for its ready check
   * refuses every command (no offline queue), which would read as a dead instance.
   */
  readonly ready_check?: boolean;
}

/**
 * How long a closing connection may wait for the server's FIN before its socket is destroyed
 * (ioredis default 2000). A hung server never sends it, and until then the old link looks ready
 * but refuses every command: a reconnect must start at once.
 */
const DISCONNECT_TIMEOUT_MS = 20;

/** The bounded back-off used by `retryStrategy` (exported for tests). */
export function reconnectDelay_ms(attempt: number, base_ms: number, max_ms: number): number {
  return Math.min(max_ms, base_ms * Math.max(1, attempt));
}

/** ioredis passes `tls` to tls.connect; the server is checked against the CAs (and its name). */
export function redisTls(material: TlsMaterial): {
  ca?: string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  rejectUnauthorized: true;
} {
  return {
    rejectUnauthorized: true,
    ...(material.ca === undefined ? {} : { ca: [...material.ca] }),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
  };
}

/** Creates a client that connects on the first command (`lazyConnect`) or on `connect()`. */
export function createRedisClient(options: RedisClientOptions): Redis {
  return new Redis({
    host: options.host,
    port: options.port,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    connectionName: options.connection_name,
    ...(options.tls === undefined ? {} : { tls: redisTls(options.tls) }),
    connectTimeout: options.connect_timeout_ms,
    commandTimeout: options.command_timeout_ms,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: options.ready_check ?? true,
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    autoResubscribe: false,
    autoResendUnfulfilledCommands: false,
    lazyConnect: true,
    keepAlive: 1000,
    noDelay: true,
    retryStrategy: (attempt: number) =>
      reconnectDelay_ms(attempt, options.retry_base_ms, options.retry_max_ms),
    reconnectOnError: () => false,
  });
}
