// The failover history the API serves: every failover any agent of the cluster ran, from its
// `+try-failover` (or `+elected-leader`, if the start was missed) to `+failover-end` or an abort,
// with the leader's events in between and their times. Fed with every agent's events (this
// agent's from the EventHub, the others' from NATS), so any agent can answer. Times are this
// agent's wall clock at receipt: events carry their emitter's monotonic clock, which is not
// comparable across processes. Bounded: `failovers_max` records, `events_max` events each.
import { FAILOVER_OUTCOME_SUPERSEDED, failoverEndOf } from "@sentinel-plane/core";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import { parseHostPort } from "./address.js";
import type { Failover } from "./schemas.js";

export interface FailoverHistoryOptions {
  readonly failovers_max: number;
  readonly events_max: number;
  /** Wall clock (Unix ms). */
  readonly wall_ms: () => number;
}

interface Record_ {
  readonly value: {
    -readonly [K in keyof Failover]: Failover[K];
  };
}

/** `master <name> <ip> <port>` (Sentinel's subject) -> the address. */
function subjectAddress(text: string): { host: string; port: number } | null {
  const parts = text.split(" ");
  if (parts[0] !== "master" || parts.length < 4) return null;
  return parseHostPort(`${parts[2] ?? ""}:${parts[3] ?? ""}`);
}

export class FailoverHistory {
  readonly #options: FailoverHistoryOptions;
  /** Oldest first. */
  readonly #records: Record_[] = [];
  /** Running failovers by `agent master`. */
  readonly #open = new Map<string, Record_>();
  readonly #listeners = new Set<(failover: Failover) => void>();

  constructor(options: FailoverHistoryOptions) {
    this.#options = options;
  }

  /** Called with each failover when it ends (metrics). */
  onEnd(listener: (failover: Failover) => void): void {
    this.#listeners.add(listener);
  }

  observe(event: WireEventMessage): void {
    const master = event.master_name;
    if (master === null) return;
    const key = `${event.agent} ${master}`;
    const now = this.#options.wall_ms();
    if (event.name === "+try-failover") {
      this.#end(key, FAILOVER_OUTCOME_SUPERSEDED, now);
      this.#start(key, event, now);
      return;
    }
    let record = this.#open.get(key);
    if (record === undefined) {
      if (event.name !== "+elected-leader") return;
      record = this.#start(key, event, now);
    }
    this.#append(record, event, now);
    if (event.name === "+switch-master") {
      const parts = event.text.split(" ");
      record.value.to = parseHostPort(`${parts[3] ?? ""}:${parts[4] ?? ""}`);
    }
    // The endings and their outcomes are the core's table (FAILOVER_ENDS).
    const end = failoverEndOf(event.name);
    if (end !== null) this.#end(key, end.outcome, now);
  }

  /** Newest first; `master` filters. */
  list(master: string | undefined, limit: number): Failover[] {
    const out: Failover[] = [];
    for (let i = this.#records.length - 1; i >= 0 && out.length < limit; i--) {
      const record = this.#records[i];
      if (record === undefined) continue;
      if (master !== undefined && record.value.master !== master) continue;
      out.push(structuredClone(record.value));
    }
    return out;
  }

  #start(key: string, event: WireEventMessage, now: number): Record_ {
    const record: Record_ = {
      value: {
        master: event.master_name ?? "",
        epoch: event.epoch,
        leader: event.agent,
        started_at_ms: now,
        ended_at_ms: null,
        duration_ms: null,
        outcome: "in-progress",
        from: subjectAddress(event.text),
        to: null,
        events: [],
        events_dropped: 0,
      },
    };
    this.#open.set(key, record);
    this.#records.push(record);
    if (this.#records.length > this.#options.failovers_max) {
      const dropped = this.#records.shift();
      // A record dropped while running stops collecting events.
      for (const [k, r] of this.#open) if (r === dropped) this.#open.delete(k);
    }
    this.#append(record, event, now);
    return record;
  }

  #append(record: Record_, event: WireEventMessage, now: number): void {
    if (record.value.events.length >= this.#options.events_max) {
      record.value.events_dropped += 1;
      return;
    }
    record.value.events.push({
      name: event.name,
      text: event.text,
      at_ms: now,
      since_start_ms: Math.max(0, now - record.value.started_at_ms),
    });
  }

  #end(key: string, outcome: string, now: number): void {
    const record = this.#open.get(key);
    if (record === undefined) return;
    this.#open.delete(key);
    record.value.outcome = outcome;
    record.value.ended_at_ms = now;
    record.value.duration_ms = Math.max(0, now - record.value.started_at_ms);
    const snapshot = structuredClone(record.value);
    for (const listener of this.#listeners) listener(snapshot);
  }
}
