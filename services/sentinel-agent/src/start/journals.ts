// The durable failover history and audit log (JetStream streams with limits), appended through
// bounded queues: NATS away never blocks the agent, what is dropped is logged and counted. Their
// metrics, and the forgotten-instance counter fed by the event hub, are registered with them.
import { JOURNAL_LIMITS_DEFAULT, JournalStore, NATS_DEFAULTS } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";
import { AuditLog } from "../audit-log.js";
import type { EventHub } from "../event-hub.js";
import { registerForgetMetrics } from "../forget-metrics.js";
import { registerJournalMetrics } from "../journal-metrics.js";
import type { RestMetrics } from "../rest/index.js";
import type { AgentBase } from "./agent-base.js";
import { TOPOLOGY_RETRY_MAX_MS } from "./topology.js";

/** Journal records (history, audit) waiting for JetStream at most, each. */
const JOURNAL_QUEUE_MAX = 1000;

export interface JournalsContext {
  readonly base: AgentBase;
  readonly nc: NatsConnection;
  readonly events: EventHub;
  readonly rest_metrics: RestMetrics;
}

export interface Journals {
  readonly history: JournalStore;
  readonly audit_journal: JournalStore;
  readonly audit: AuditLog;
  /** Counts a journal record skipped on read as invalid, per journal. */
  readonly invalid: ReturnType<typeof registerJournalMetrics>;
}

export function createJournals(ctx: JournalsContext): Journals {
  const { base, nc, events, rest_metrics } = ctx;
  const { plane, myid, logger } = base;
  const journal = (kind: "history" | "audit"): JournalStore =>
    new JournalStore(
      nc,
      {
        cluster_id: plane.cluster_id,
        kind,
        writer: myid,
        replicas: plane.topology_replicas,
        limits: JOURNAL_LIMITS_DEFAULT,
        request_timeout_ms: NATS_DEFAULTS.connect_timeout_ms,
        queue_max: JOURNAL_QUEUE_MAX,
        retry_base_ms: NATS_DEFAULTS.reconnect_wait_ms,
        retry_max_ms: TOPOLOGY_RETRY_MAX_MS,
      },
      logger,
    );
  const history = journal("history");
  const audit_journal = journal("audit");
  const audit = new AuditLog({ myid, wall_ms: () => Date.now(), journal: audit_journal }, logger);
  const observeForgotten = registerForgetMetrics(rest_metrics.registry);
  events.subscribe(observeForgotten);
  const invalid = registerJournalMetrics(rest_metrics.registry, {
    journals: () => [
      { kind: "history", health: history.health() },
      { kind: "audit", health: audit_journal.health() },
    ],
  });
  return { history, audit_journal, audit, invalid };
}
