// ioredis clients with every timeout and retry option explicit. No offline queue: a command on
// a broken connection fails at once instead of waiting, so callers see the outage immediately.
import { createSecureContext } from "node:tls";
import type { SecureContext } from "node:tls";
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
   * refuses every command (no offline queue), which would read as a dead instance. Such a link
   * is also ready without a round trip: CLIENT SETNAME goes out once it is ready, and no CLIENT
   * SETINFO at all (see `createRedisClient`).
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

/** What ioredis passes to tls.connect: the server is checked against the CAs (and its name). */
export type RedisTlsOptions =
  | { readonly secureContext: SecureContext; readonly rejectUnauthorized: true }
  | {
      ca?: string[];
      cert?: string;
      key?: string;
      passphrase?: string;
      rejectUnauthorized: true;
    };

/**
 * One secure context per material, made on first use. Without it tls.connect builds a new one
 * (parses the CAs, the certificate and the key) on every connection attempt: ~1.3 ms of CPU each
 * with OpenSSL 3, paid by every link that reconnects to a dead server every 50 ms, on the machine
 * that is failing over. New material (a certificate reload) is a new object, so a new context.
 */
const contexts = new WeakMap<TlsMaterial, SecureContext>();

/** The options of a TLS link made with `material` (one shared secure context per material). */
export function redisTls(material: TlsMaterial): RedisTlsOptions {
  const cached = contexts.get(material);
  if (cached !== undefined) return { secureContext: cached, rejectUnauthorized: true };
  const options = {
    rejectUnauthorized: true as const,
    ...(material.ca === undefined ? {} : { ca: [...material.ca] }),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
  };
  let context: SecureContext;
  try {
    context = createSecureContext(options);
  } catch {
    // Material tls.connect refuses (a key that does not match its certificate, say): the
    // connection attempt reports it as before, as a connection error, not this call.
    return options;
  }
  contexts.set(material, context);
  return { secureContext: context, rejectUnauthorized: true };
}

/**
 * Creates a client that connects on the first command (`lazyConnect`) or on `connect()`.
 *
 * Without a ready check, ioredis would still hold the link back until CLIENT SETNAME and two CLIENT
 * SETINFO are answered (three round trips, a package.json read, and three pending commands per
 * link); on a loaded machine with hundreds of links that delay outlasted probe deadlines. Such a
 * link is ready once connected (and AUTH sent): its name is set after that, and no library name or
 * version (nobody reads them; Sentinel sends neither).
 */
export function createRedisClient(options: RedisClientOptions): Redis {
  const ready_check = options.ready_check ?? true;
  const client = new Redis({
    host: options.host,
    port: options.port,
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(ready_check ? { connectionName: options.connection_name } : {}),
    disableClientInfo: !ready_check,
    ...(options.tls === undefined ? {} : { tls: redisTls(options.tls) }),
    connectTimeout: options.connect_timeout_ms,
    commandTimeout: options.command_timeout_ms,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: ready_check,
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
  if (!ready_check) {
    client.on("ready", () => {
      // A failure (a server that refuses CLIENT) leaves the link unnamed, nothing more.
      client.client("SETNAME", options.connection_name).catch(() => undefined);
    });
  }
  return client;
}
