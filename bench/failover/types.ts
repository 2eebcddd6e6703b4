// The vocabulary of the side-by-side failover benchmark: implementations, faults, the events
// it times, and what one run records. Every time is milliseconds on performance.now() of the one
// benchmark process; figures are offsets from the fault.

export const IMPLEMENTATIONS = ["ours", "sentinel"] as const;
export type ImplName = (typeof IMPLEMENTATIONS)[number];

export const FAULTS = ["kill", "stop", "partition", "switchover"] as const;
export type FaultKind = (typeof FAULTS)[number];

/** The Sentinel events timed per run, in the order a failover emits them. */
export const TIMED_EVENTS = [
  "+sdown",
  "+odown",
  "+elected-leader",
  "+promoted-slave",
  "+switch-master",
  "+failover-end",
] as const;
export type TimedEvent = (typeof TIMED_EVENTS)[number];

export const WRITERS = ["ioredis_sentinel", "plain"] as const;
export type WriterName = (typeof WRITERS)[number];

/** One acknowledged write: the key, when the OK arrived, and the port of the server that sent it. */
export interface Ack {
  readonly key: string;
  readonly t_ms: number;
  readonly port: number;
}

/** An event as a sentinel (or agent) published it on its RESP port's pub/sub. */
export interface SeenEvent {
  readonly name: string;
  readonly payload: string;
  /** The RESP port it arrived from. */
  readonly from_port: number;
  readonly t_ms: number;
}

export interface WriterFigures {
  /** Fault -> first write acknowledged by the new primary. */
  readonly outage_ms: number;
  /** Last write acknowledged before the fault -> the fault (>= 0). */
  readonly last_ack_before_ms: number;
  readonly acked: number;
  readonly lost: number;
  readonly errors: number;
  /** Clients the writer had to recreate because ioredis ended one on its own. */
  readonly client_restarts: number;
  /** Up to 10 lost keys, for the record. */
  readonly lost_sample: readonly string[];
}

export interface RunRecord {
  readonly impl: ImplName;
  readonly fault: FaultKind;
  readonly down_after_ms: number;
  /** 1-based index of the A/B pair this run belongs to. */
  readonly round: number;
  readonly ok: boolean;
  /** Why the run failed (ok = false). */
  readonly reason: string | null;
  readonly old_port: number;
  readonly new_port: number;
  /** How long injecting the fault took (iptables-restore for a partition). */
  readonly inject_ms: number;
  /** First occurrence (across the sentinels) of each timed event, ms after the fault. */
  readonly events_ms: Partial<Record<TimedEvent, number>>;
  /** First occurrence of every event seen after the fault, ms after it (where the time goes). */
  readonly timeline_ms: Readonly<Record<string, number>>;
  readonly writers: Partial<Record<WriterName, WriterFigures>>;
}
