// Reading the durable journals back for the API: each record is decoded with the protocol's
// schema and must name the agent its subject names (a record under another agent's subject is a
// forgery NATS permissions should have refused); whatever fails is skipped and counted, never
// served and never fatal.
import { decodeAuditRecord, decodeHistoryRecord, journalSubjectWriter } from "@sentinel-plane/protocol";
import type { JournalKind } from "@sentinel-plane/protocol";
import type { AuditEntry, HistoryEntry } from "./journal-schemas.js";

export interface JournalItem {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

export interface JournalPager {
  page(
    before: number | null,
    limit: number,
    scan_max: number,
    accept: (item: JournalItem) => boolean,
  ): Promise<{ readonly items: readonly JournalItem[]; readonly next_before: number | null }>;
}

export interface RestJournals {
  readonly history: JournalPager;
  readonly audit: JournalPager;
  /** A record that failed decoding or names the wrong writer (metrics, log). */
  readonly on_invalid: (kind: JournalKind, seq: number, reason: string) => void;
}

/**
 * Sequences scanned per requested entry, and per page, at most (filtered-out and invalid records
 * included): one page is at most this many JetStream reads; a sparse filter pages on with
 * `next_before` instead.
 */
const SCAN_PER_ENTRY = 20;
const SCAN_MAX = 2000;

function scanMax(limit: number): number {
  return Math.min(limit * SCAN_PER_ENTRY, SCAN_MAX);
}

function writerMismatch(subject: string, agent: string): string | null {
  const writer = journalSubjectWriter(subject);
  return writer === agent ? null : `record of agent ${agent} under subject ${subject}`;
}

export async function historyPage(
  journals: RestJournals,
  query: { readonly before: number | null; readonly limit: number; readonly master: string | null },
): Promise<{ failovers: HistoryEntry[]; next_before: number | null }> {
  const failovers: HistoryEntry[] = [];
  const page = await journals.history.page(query.before, query.limit, scanMax(query.limit), (item) => {
    const decoded = decodeHistoryRecord(item.data);
    if (!decoded.ok) {
      journals.on_invalid("history", item.seq, decoded.error.message);
      return false;
    }
    const { v: _v, type: _type, agent, ...failover } = decoded.value;
    const forged = writerMismatch(item.subject, agent);
    if (forged !== null) {
      journals.on_invalid("history", item.seq, forged);
      return false;
    }
    if (query.master !== null && failover.master !== query.master) return false;
    failovers.push({ seq: item.seq, ...failover });
    return true;
  });
  return { failovers, next_before: page.next_before };
}

export async function auditPage(
  journals: RestJournals,
  query: { readonly before: number | null; readonly limit: number },
): Promise<{ entries: AuditEntry[]; next_before: number | null }> {
  const entries: AuditEntry[] = [];
  const page = await journals.audit.page(query.before, query.limit, scanMax(query.limit), (item) => {
    const decoded = decodeAuditRecord(item.data);
    if (!decoded.ok) {
      journals.on_invalid("audit", item.seq, decoded.error.message);
      return false;
    }
    const { v: _v, type: _type, ...record } = decoded.value;
    const forged = writerMismatch(item.subject, record.agent);
    if (forged !== null) {
      journals.on_invalid("audit", item.seq, forged);
      return false;
    }
    entries.push({ seq: item.seq, ...record });
    return true;
  });
  return { entries, next_before: page.next_before };
}
