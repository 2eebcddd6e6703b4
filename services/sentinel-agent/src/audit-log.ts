// The audit log: one record per state-changing request (REST change routes, the Sentinel port's
// MONITOR/REMOVE/SET/RESET/FAILOVER/CONFIG SET...), refused ones included: who (address, token
// fingerprint or AUTH user, client software), what (action, arguments with secrets redacted), when,
// and the outcome. Each record is a JSON log line at once and goes to the audit journal
// (JetStream) through its bounded queue: a NATS outage never blocks or fails the request.
import { PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import type { AuditChannel, WireAuditRecord } from "@sentinel-plane/protocol";
import type { Logger } from "@sentinel-plane/runtime";
import { isJsonObject } from "@sentinel-plane/protocol";

export interface AuditInput {
  readonly channel: AuditChannel;
  readonly address: string;
  readonly principal: string | null;
  readonly client: string | null;
  readonly action: string;
  readonly args: readonly string[];
  readonly master: string | null;
  readonly outcome: string;
  readonly detail: string | null;
}

export interface AuditSink {
  record(input: AuditInput): void;
}

export interface AuditLogOptions {
  readonly myid: string;
  /** Wall clock (Unix ms). */
  readonly wall_ms: () => number;
  /** The audit journal; null: log lines only. */
  readonly journal: { append(entry: { msg_id: string; data: string }): void } | null;
}

const ARG_CHARS_MAX = 1024;
const ARGS_MAX = 64;
const TEXT_MAX = 256;

/** Option names whose value is a secret (SENTINEL SET auth-pass, CONFIG SET sentinel-pass...). */
const SECRET_NAME = /pass|secret|token|credential/i;
export const REDACTED = "(redacted)";

/**
 * Redacts the value after every secret-named option in an argument list (`auth-pass x` ->
 * `auth-pass (redacted)`), and truncates long arguments. The option names stay: they say what changed.
 */
export function redactArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length && out.length < ARGS_MAX; i++) {
    const arg = args[i] ?? "";
    out.push(arg.slice(0, ARG_CHARS_MAX));
    if (SECRET_NAME.test(arg) && i + 1 < args.length) {
      out.push(REDACTED);
      i += 1;
    }
  }
  return out;
}

/** A JSON body as `key=value` arguments, secret-named keys redacted. */
export function bodyArgs(body: unknown): string[] {
  if (!isJsonObject(body)) return [];
  return Object.entries(body).map(([key, value]) =>
    SECRET_NAME.test(key) ? `${key}=${REDACTED}` : `${key}=${JSON.stringify(value)}`.slice(0, ARG_CHARS_MAX),
  );
}

export class AuditLog implements AuditSink {
  readonly #options: AuditLogOptions;
  readonly #logger: Logger;
  #next = 1;

  constructor(options: AuditLogOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
  }

  record(input: AuditInput): void {
    const record: WireAuditRecord = {
      v: PROTOCOL_VERSION,
      type: "audit_record",
      agent: this.#options.myid,
      at_ms: this.#options.wall_ms(),
      channel: input.channel,
      who: {
        address: input.address.slice(0, 128),
        principal: input.principal?.slice(0, 128) ?? null,
        client: input.client?.slice(0, TEXT_MAX) ?? null,
      },
      action: input.action.slice(0, 128),
      args: redactArgs(input.args),
      master: input.master === null || input.master === "" ? null : input.master.slice(0, 256),
      outcome: input.outcome.slice(0, 64) || "?",
      detail: input.detail?.slice(0, ARG_CHARS_MAX) ?? null,
    };
    this.#logger.info(
      {
        event: "audit",
        ...record.who,
        channel: record.channel,
        action: record.action,
        args: record.args,
        outcome: record.outcome,
      },
      `audit: ${record.action} ${record.args.join(" ")} by ${record.who.principal ?? "-"} from ${record.who.address}: ${record.outcome}`,
    );
    // Unique per agent incarnation and record: a retried append is stored once.
    const msg_id = `${this.#options.myid}-${record.at_ms}-${this.#next++}`;
    this.#options.journal?.append({ msg_id, data: JSON.stringify(record) });
  }
}
