// The durable journals' health on /metrics: records appended, waiting for JetStream, dropped
// (queue full or too large), and records read back that failed validation.
import { Counter, Gauge } from "prom-client";
import type { Registry } from "prom-client";
import type { JournalHealth } from "@sentinel-plane/runtime";
import { encodeToken, PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import type { WireHistoryRecord } from "@sentinel-plane/protocol";
import type { Failover } from "./rest/schemas.js";

export interface JournalMetricsSource {
  readonly journals: () => readonly { readonly kind: string; readonly health: JournalHealth }[];
}

export function registerJournalMetrics(registry: Registry, source: JournalMetricsSource): Counter<"journal"> {
  new Gauge<"journal">({
    name: "sp_journal_pending",
    help: "Records of a durable journal (history, audit) waiting for JetStream.",
    labelNames: ["journal"],
    registers: [registry],
    collect() {
      this.reset();
      for (const j of source.journals()) this.set({ journal: j.kind }, j.health.pending);
    },
  });
  new Counter<"journal">({
    name: "sp_journal_appended_total",
    help: "Records this agent appended to a durable journal.",
    labelNames: ["journal"],
    registers: [registry],
    collect() {
      this.reset();
      for (const j of source.journals()) this.inc({ journal: j.kind }, j.health.appended);
    },
  });
  new Counter<"journal">({
    name: "sp_journal_dropped_total",
    help: "Records this agent dropped instead of appending (queue full while JetStream was away, or too large).",
    labelNames: ["journal"],
    registers: [registry],
    collect() {
      this.reset();
      for (const j of source.journals()) this.inc({ journal: j.kind }, j.health.dropped);
    },
  });
  return new Counter<"journal">({
    name: "sp_journal_invalid_total",
    help: "Records read back from a durable journal that failed validation (skipped, not served).",
    labelNames: ["journal"],
    registers: [registry],
  });
}

/**
 * A failover this agent led, as its durable record. The msg id (master token, epoch, leader,
 * start) makes a retried append one record.
 */
export function historyRecordOf(myid: string, failover: Failover): { msg_id: string; data: string } {
  const record: WireHistoryRecord = {
    v: PROTOCOL_VERSION,
    type: "failover_record",
    agent: myid,
    ...failover,
  };
  return {
    msg_id: `${encodeToken(failover.master)}-${failover.epoch}-${failover.leader}-${failover.started_at_ms}`,
    data: JSON.stringify(record),
  };
}
