// What the REST app needs from the agent: narrow functions over the loop, the event hub, the
// committed topology and the recorders, so that unit tests build the app with in-memory fakes.
import type {
  Address,
  AdminCommand,
  AgentState,
  LeaseGrant,
  LeaseRequest,
  TopologyRecord,
} from "@sentinel-plane/core";
import type { TlsOptions } from "node:tls";
import type { Logger } from "@sentinel-plane/runtime";
import type { AuditSink } from "../audit-log.js";
import type { AdminReply } from "@sentinel-plane/agent-shell";
import type { NodeOp, NodeOpOutcome } from "../node-ops.js";
import type { AuthSettings } from "./auth.js";
import type { EventSource, EventStreamLimits } from "./event-stream.js";
import type { FailoverHistory } from "./failover-history.js";
import type { RestJournals } from "./journal-read.js";
import type { RestMetrics } from "./metrics.js";
import type { VoteBook } from "./votes.js";

export interface RestLimits {
  /** Largest accepted request body. */
  readonly body_max_bytes: number;
  /** Requests per client address per window (429 beyond); 0 = no limit. */
  readonly rate_max: number;
  readonly rate_window_ms: number;
  /** An admin command that gets no reply from the loop within this is answered 504. */
  readonly admin_timeout_ms: number;
  /** /readyz fails when the loop has not stepped for longer than this. */
  readonly step_max_age_ms: number;
  /** Connections are closed after this much idle time (SSE streams send heartbeats). */
  readonly keep_alive_ms: number;
  readonly events: EventStreamLimits;
}

export const REST_LIMITS_DEFAULT: RestLimits = {
  body_max_bytes: 16 * 1024,
  rate_max: 200,
  rate_window_ms: 1000,
  admin_timeout_ms: 10_000,
  step_max_age_ms: 2000,
  keep_alive_ms: 72_000,
  events: { heartbeat_ms: 15_000, buffer_max_bytes: 1024 * 1024, streams_max: 256, retry_ms: 1000 },
};

/** How long the failsafe lease route waits for the core's grant (the data-node asks again sooner). */
export const LEASE_ANSWER_MS = 1000;

export interface Readiness {
  readonly nats_connected: boolean;
  /** Time since the loop last stepped (any input, ticks included). */
  readonly last_step_age_ms: number;
  /** The topology store's watch: not following the bucket is a reason not to be ready. */
  readonly topology?: { readonly watching: boolean; readonly reason: string };
}

export interface RestDeps {
  readonly myid: string;
  readonly state: () => AgentState;
  readonly admin: (command: AdminCommand) => Promise<AdminReply>;
  /** Relays an operator command to the data-node at `address` (routes/nodes.ts); absent: refused. */
  readonly node_op?: (master_name: string, address: Address, op: NodeOp) => Promise<NodeOpOutcome>;
  /**
   * A data-node's lease request that came directly (failsafe, routes/lease.ts): the core's grant,
   * or null when none came in time. Absent: the route is refused.
   */
  readonly lease_direct?: (request: LeaseRequest) => Promise<LeaseGrant | null>;
  /** The committed record of a master (JetStream KV), null when none or unreadable. */
  readonly topology: (
    master_name: string,
  ) => Promise<{ readonly record: TopologyRecord; readonly revision: number } | null>;
  readonly events: EventSource;
  readonly history: FailoverHistory;
  readonly votes: VoteBook;
  readonly metrics: RestMetrics;
  readonly readiness: () => Readiness;
  readonly uptime_s: () => number;
  readonly auth: AuthSettings;
  readonly limits: RestLimits;
  /** The durable history and audit journals; absent: /v1/history and /v1/audit answer 503. */
  readonly journals?: RestJournals;
  /** Where change requests are recorded (who, what, outcome); absent: not audited. */
  readonly audit?: AuditSink;
  /**
   * The agent's JSON logger: 500s and fastify's own errors are logged through it with the
   * request's id (also sent as `x-request-id`). Absent (unit tests): fastify logs nothing.
   */
  readonly logger?: Logger;
  /** https with these (the Sentinel port's certificate, `sentinel-plane rest-tls yes`); absent: http. */
  readonly https?: TlsOptions;
}
