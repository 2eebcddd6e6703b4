// What the lab-side processes of the fault suite (probe.ts, client-writer.ts) print, one JSON
// object per line on stdout, and the small helpers they share.
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";

/** The data-node's fence: `min-replicas-to-write` set to this (services/data-node/README.md). */
export const FENCE_MARKER = "2147483647";

/** A sample's `error` when the server did not answer in time (as opposed to refusing). */
export const TIMEOUT = "timeout";

export interface SampleLine {
  readonly type: "sample";
  readonly node: string;
  readonly t_ms: number;
  readonly role: string | null;
  readonly fenced: boolean | null;
  readonly offset: number | null;
  /** Why there is no answer: "timeout" (stopped or slow server) or another reason (refused...). */
  readonly error: string | null;
}

export interface AckLine {
  readonly type: "ack";
  readonly writer: string;
  /** The data host whose Redis acknowledged the write. */
  readonly node: string;
  readonly key: string;
  readonly sent_ms: number;
  readonly t_ms: number;
}

export interface FailLine {
  readonly type: "fail";
  readonly writer: string;
  readonly reason: string;
  readonly t_ms: number;
}

/** Whether the host's interface carries the VIP (shapes with a VIP only), sampled like the roles. */
export interface VipLine {
  readonly type: "vip";
  /** The data host whose interface was read. */
  readonly node: string;
  readonly t_ms: number;
  readonly held: boolean;
}

export type ProbeLine = SampleLine | AckLine | FailLine | VipLine;

export function print(line: ProbeLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function sleep(ms: number): Promise<void> {
  return delay(ms);
}

export function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string") return code;
  const message = error instanceof Error ? error.message : String(error);
  return message.split(" ")[0] ?? "ERR";
}

/** Bounds of the probes' and writers' Redis links: a cut or stopped server fails fast. */
export const CONNECT_TIMEOUT_MS = 200;
export const REPLY_TIMEOUT_MS = 200;
const RETRY_MS = 20;

/**
 * A Redis link for a probe or writer: no offline queue, no retries of a command, reconnects every
 * RETRY_MS. Failures are data (a sample says null, a write fails), so errors are not logged.
 */
export function faultClient(host: string, port: number, name: string): Redis {
  const redis = new Redis({
    host,
    port,
    connectionName: name,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: REPLY_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    autoResendUnfulfilledCommands: false,
    retryStrategy: () => RETRY_MS,
    reconnectOnError: () => false,
  });
  redis.on("error", () => undefined);
  return redis;
}
