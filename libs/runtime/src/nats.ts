// NATS connections with every timing option spelled out (STYLE.md): connect forever with a
// bounded, jittered back-off, detect a dead server by pings, and log every status change.
import { connect } from "@nats-io/transport-node";
import type { NatsConnection, NodeConnectionOptions } from "@nats-io/transport-node";
import { natsInboxPrefix } from "@sentinel-plane/protocol";
import type { Logger } from "./logger.js";
import type { TlsMaterial } from "./tls-files.js";

export type { NatsConnection };

export interface NatsOptions {
  readonly servers: readonly string[];
  /** Client name shown by the server (`connz`). */
  readonly name: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
  /**
   * TLS towards the servers (read by readTlsMaterial): the CA that signed them and, for a server
   * with `tls { verify: true }`, this client's certificate and key. Absent: TLS only if the URL
   * is tls:// or the server requires it, with node's bundled roots.
   */
  readonly tls?: TlsMaterial;
  /** Timeout of one connection attempt. */
  readonly connect_timeout_ms: number;
  /** Wait between reconnect attempts to the same server, plus up to `reconnect_jitter_ms`. */
  readonly reconnect_wait_ms: number;
  readonly reconnect_jitter_ms: number;
  /** A server that misses `ping_max_out` pings sent every `ping_interval_ms` is dropped. */
  readonly ping_interval_ms: number;
  readonly ping_max_out: number;
  /**
   * The server does not deliver this connection's own publications to its own subscriptions
   * (default false: delivered, as NATS does).
   */
  readonly no_echo?: boolean;
}

export const NATS_DEFAULTS = {
  connect_timeout_ms: 2000,
  reconnect_wait_ms: 250,
  reconnect_jitter_ms: 100,
  ping_interval_ms: 2000,
  ping_max_out: 2,
} as const;

/**
 * Connects, waiting for the first server if none is up yet (`waitOnFirstConnect`), and keeps
 * reconnecting forever (`maxReconnectAttempts: -1`): a service must outlive NATS outages.
 */
export async function connectNats(options: NatsOptions, logger: Logger): Promise<NatsConnection> {
  const waiting = logWhileUnreachable(options, logger);
  // An authenticated identity may only subscribe to its own inboxes (`_INBOX.<user>.>`,
  // libs/protocol nats-auth.ts): replies and KV watches must arrive there.
  const inbox_prefix = options.user === undefined ? null : natsInboxPrefix(options.user);
  const nc = await connect({
    servers: [...options.servers],
    name: options.name,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
    ...(options.tls === undefined ? {} : { tls: natsTls(options.tls) }),
    timeout: options.connect_timeout_ms,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: options.reconnect_wait_ms,
    reconnectJitter: options.reconnect_jitter_ms,
    reconnectJitterTLS: options.reconnect_jitter_ms,
    waitOnFirstConnect: true,
    pingInterval: options.ping_interval_ms,
    maxPingOut: options.ping_max_out,
    noEcho: options.no_echo ?? false,
    ...(inbox_prefix === null ? {} : { inboxPrefix: inbox_prefix }),
  }).finally(waiting);
  logger.info({ event: "nats_connected", server: nc.getServer() }, "connected to NATS");
  void logStatus(nc, logger);
  return nc;
}

type NodeTlsOptions = NonNullable<NodeConnectionOptions["tls"]>;

/**
 * The client's `tls` option: it extends node's tls.connect options with these (so a key
 * passphrase passes through), and takes the CAs as one PEM string.
 */
function natsTls(material: TlsMaterial): NodeTlsOptions {
  const options: NodeTlsOptions & { passphrase?: string } = {
    rejectUnauthorized: true,
    ...(material.ca === undefined ? {} : { ca: material.ca.join("\n") }),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
  };
  return options;
}

/** First "unreachable" line after this; then at doubling intervals up to the cap. */
export const NATS_UNREACHABLE_LOG_FIRST_MS = 500;
export const NATS_UNREACHABLE_LOG_MAX_MS = 30_000;

/** Wait before the n-th (1-based) "still unreachable" line. */
export function unreachableLogDelay_ms(n: number): number {
  return Math.min(
    NATS_UNREACHABLE_LOG_MAX_MS,
    NATS_UNREACHABLE_LOG_FIRST_MS * 2 ** Math.max(0, Math.min(n - 1, 20)),
  );
}

/**
 * The client waits for a first server silently (`waitOnFirstConnect`): say which servers we try
 * at once, and that they are unreachable while it lasts, on a back-off. Returns the stopper.
 */
function logWhileUnreachable(options: NatsOptions, logger: Logger): () => void {
  const servers = options.servers.join(", ");
  const started_ms = performance.now();
  logger.info({ event: "nats_connecting", servers: options.servers }, `connecting to NATS at ${servers}`);
  let timer: NodeJS.Timeout | null = null;
  const schedule = (n: number): void => {
    timer = setTimeout(() => {
      const waited_ms = Math.round(performance.now() - started_ms);
      logger.warn(
        {
          event: "nats_unreachable",
          servers: options.servers,
          waited_ms,
          retry_ms: options.reconnect_wait_ms,
          next_log_ms: unreachableLogDelay_ms(n + 1),
        },
        `NATS unreachable at ${servers} for ${waited_ms} ms; retrying every ${options.reconnect_wait_ms} ms`,
      );
      schedule(n + 1);
    }, unreachableLogDelay_ms(n));
  };
  schedule(1);
  return () => {
    if (timer !== null) clearTimeout(timer);
  };
}

async function logStatus(nc: NatsConnection, logger: Logger): Promise<void> {
  try {
    for await (const status of nc.status()) {
      switch (status.type) {
        case "disconnect":
        case "reconnect":
        case "error":
        case "staleConnection":
        case "slowConsumer":
        case "close":
          logger.warn({ event: `nats_${status.type}`, status }, `NATS ${status.type}`);
          break;
        default:
          logger.debug({ event: `nats_${status.type}`, status }, `NATS ${status.type}`);
      }
    }
  } catch (error) {
    logger.error({ event: "nats_status_failed", err: error }, "NATS status stream failed");
  }
}
