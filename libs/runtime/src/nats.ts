// NATS connections with every timing option spelled out (STYLE.md): connect forever with a
// bounded, jittered back-off, detect a dead server by pings, and log every status change.
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { natsInboxPrefix } from "@sentinel-plane/protocol";
import type { Logger } from "./logger.js";

export type { NatsConnection };

export interface NatsOptions {
  readonly servers: readonly string[];
  /** Client name shown by the server (`connz`). */
  readonly name: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
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
  // An authenticated identity may only subscribe to its own inboxes (`_INBOX.<user>.>`,
  // libs/protocol nats-auth.ts): replies and KV watches must arrive there.
  const inbox_prefix = options.user === undefined ? null : natsInboxPrefix(options.user);
  const nc = await connect({
    servers: [...options.servers],
    name: options.name,
    ...(options.user === undefined ? {} : { user: options.user }),
    ...(options.pass === undefined ? {} : { pass: options.pass }),
    ...(options.token === undefined ? {} : { token: options.token }),
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
  });
  logger.info({ event: "nats_connected", server: nc.getServer() }, "connected to NATS");
  void logStatus(nc, logger);
  return nc;
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
