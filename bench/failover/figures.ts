// The pure part of the benchmark: which event counts, when a writer resumed, which acknowledged
// keys are missing, and the ratio of medians. No I/O, no clock: inputs are recorded samples.
import type { Ack, SeenEvent, TimedEvent } from "./types.js";
import { TIMED_EVENTS } from "./types.js";

/**
 * Whether an event concerns the monitored master itself (not one of its replicas or peers):
 * `+sdown slave ...` or `+sdown sentinel ...` after a failover must not count as the master's.
 */
export function aboutMaster(event: Pick<SeenEvent, "name" | "payload">, master_name: string): boolean {
  switch (event.name) {
    case "+switch-master":
      return event.payload.startsWith(`${master_name} `);
    case "+promoted-slave":
      return event.payload.startsWith("slave ") && event.payload.includes(` @ ${master_name} `);
    default:
      return event.payload.startsWith(`master ${master_name} `);
  }
}

/** First occurrence (across every sentinel) of each timed event at or after `fault_ms`. */
export function firstTimedEvents(
  events: readonly SeenEvent[],
  fault_ms: number,
  master_name: string,
): Partial<Record<TimedEvent, number>> {
  const out: Partial<Record<TimedEvent, number>> = {};
  for (const name of TIMED_EVENTS) {
    const first = events.find((e) => e.name === name && e.t_ms >= fault_ms && aboutMaster(e, master_name));
    if (first !== undefined) out[name] = first.t_ms - fault_ms;
  }
  return out;
}

const SUBJECT_KINDS = new Set(["master", "slave", "sentinel"]);

/** First occurrence of every event name (with its subject's kind: master, slave, sentinel) after the fault, ms after it. */
export function timeline(events: readonly SeenEvent[], fault_ms: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) {
    if (e.t_ms < fault_ms) continue;
    const first = e.payload.split(" ")[0] ?? "";
    const label = SUBJECT_KINDS.has(first) ? `${e.name} ${first}` : e.name;
    if (!(label in out)) out[label] = e.t_ms - fault_ms;
  }
  return out;
}

/** The new primary's port from a `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>`. */
export function switchedToPort(payload: string): number {
  const port = Number(payload.split(" ")[4]);
  return Number.isInteger(port) && port > 0 ? port : Number.NaN;
}

/** Fault -> the first write acknowledged after it by the server on `port` (NaN: none yet). */
export function outage_ms(acks: readonly Ack[], fault_ms: number, port: number): number {
  const first = acks.find((a) => a.t_ms > fault_ms && a.port === port);
  return first === undefined ? Number.NaN : first.t_ms - fault_ms;
}

/** The last acknowledged write before the fault -> the fault (NaN: none). */
export function lastAckBefore_ms(acks: readonly Ack[], fault_ms: number): number {
  let last: Ack | undefined;
  for (const a of acks) if (a.t_ms <= fault_ms) last = a;
  return last === undefined ? Number.NaN : fault_ms - last.t_ms;
}

/** The keys whose MGET value came back null (values[i] belongs to keys[i]). */
export function missingFrom(keys: readonly string[], values: readonly (string | null)[]): string[] {
  if (keys.length !== values.length) throw new Error("missingFrom: one value per key");
  return keys.filter((_, i) => values[i] === null);
}

/** How many times faster ours is: theirs / ours (NaN when either is missing or ours is 0). */
export function speedup(ours_ms: number, theirs_ms: number): number {
  if (!Number.isFinite(ours_ms) || !Number.isFinite(theirs_ms) || ours_ms <= 0) return Number.NaN;
  return theirs_ms / ours_ms;
}
