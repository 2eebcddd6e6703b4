// The opt-in strict mode of issue 13 item 2, pure: a primary that has had no replica
// acknowledgement of its writes for longer than `max_lag_ms` is fenced by its own data-node, so that
// an outage loses at most about that much of acknowledged writes instead of everything up to the
// failover. Redis's `min-replicas-to-write` / `min-replicas-max-lag` is the anchor, but it counts
// in whole seconds (a replica's REPLCONF ACK comes once a second); this rule aims at ~100 ms:
//   - every `heartbeat_ms` the shell writes a small heartbeat key and asks `WAIT <min_replicas>
//     <timeout>` on the same connection. WAIT makes the primary send REPLCONF GETACK at once, so a
//     healthy replica answers within a round trip, and a count >= min_replicas proves that every
//     write acknowledged before the heartbeat (by any client: the heartbeat's offset is the
//     primary's offset at that moment) is on that many replicas;
//   - `covered_ms`, the start of the newest such heartbeat: writes acknowledged before it are safe;
//   - when the server is a writable master and `now - covered_ms > max_lag_ms`: fence (once);
//   - a fence of ours is lifted when the shell reports (from INFO replication, no write needed)
//     that min_replicas replicas have acknowledged the primary's whole offset: nothing is at risk.
// Loss window on a cut: writes acknowledged after the last covered heartbeat, at most max_lag_ms +
// heartbeat_ms + the time the fence takes (one tick of the shell and one round trip to Redis).
// This rule never lifts a fence it did not set (an agent's or another rule's), and does nothing
// while off (max_lag_ms 0), on a replica, or on a fenced server.

export interface MinReplicasConfig {
  /** 0: off (the default). The longest time a write may stay on the primary alone. */
  readonly max_lag_ms: number;
  /** Replicas that must acknowledge (Redis's min-replicas-to-write); at least 1. */
  readonly min_replicas: number;
  /** Heartbeat period; a quarter of max_lag_ms is the usual choice (minReplicasDefaults). */
  readonly heartbeat_ms: number;
}

export const MIN_REPLICAS_HEARTBEAT_MIN_MS = 10;

/** The heartbeat period for a bound: 4 heartbeats per bound, so one lost one does not fence. */
export function heartbeatMsFor(max_lag_ms: number): number {
  return Math.max(MIN_REPLICAS_HEARTBEAT_MIN_MS, Math.floor(max_lag_ms / 4));
}

export interface MinReplicasState {
  /** Writes acknowledged before this (core time) are on min_replicas replicas; null: none yet. */
  covered_ms: number | null;
  /** The heartbeat in flight (at most one). */
  in_flight: { readonly id: number; readonly sent_ms: number } | null;
  last_sent_ms: number;
  /** The server is fenced by this rule (and only then may it lift the fence). */
  fenced_by_us: boolean;
  /** A fence or an unfence of ours was asked and its outcome is not known yet. */
  pending: "fence" | "unfence" | null;
  next_id: number;
}

export function newMinReplicasState(): MinReplicasState {
  return {
    covered_ms: null,
    in_flight: null,
    last_sent_ms: Number.NEGATIVE_INFINITY,
    fenced_by_us: false,
    pending: null,
    next_id: 0,
  };
}

/** What the server is now, as the shell last saw it. */
export interface ServerNow {
  readonly role: "master" | "slave" | null;
  /** Writes refused (by anyone's fence). */
  readonly fenced: boolean;
}

export type MinReplicasInput =
  | { readonly type: "tick"; readonly now_ms: number; readonly server: ServerNow }
  /** The heartbeat's WAIT answered `acked` replicas; null: the write or the WAIT failed. */
  | {
      readonly type: "heartbeat_result";
      readonly now_ms: number;
      readonly id: number;
      readonly acked: number | null;
    }
  /** From INFO replication: replicas whose acknowledged offset equals the primary's offset. */
  | { readonly type: "replicas_in_sync"; readonly now_ms: number; readonly count: number }
  /** The outcome of a fence or unfence effect of ours. */
  | { readonly type: "fence_result"; readonly now_ms: number; readonly fenced: boolean; readonly ok: boolean }
  /** An agent's fence or unfence was carried out: the fence (or its absence) is the agent's now. */
  | { readonly type: "agent_command"; readonly now_ms: number };

export type MinReplicasEffect =
  | {
      readonly type: "heartbeat";
      readonly id: number;
      readonly min_replicas: number;
      readonly timeout_ms: number;
    }
  | { readonly type: "fence"; readonly uncovered_ms: number }
  | { readonly type: "unfence" };

export interface MinReplicasStep {
  readonly state: MinReplicasState;
  readonly effects: readonly MinReplicasEffect[];
}

/** Asserts a configuration the shell validated (a programmer error otherwise). */
export function assertMinReplicasConfig(config: MinReplicasConfig): void {
  const ok =
    Number.isSafeInteger(config.max_lag_ms) &&
    config.max_lag_ms >= 0 &&
    Number.isSafeInteger(config.min_replicas) &&
    config.min_replicas >= 1 &&
    Number.isSafeInteger(config.heartbeat_ms) &&
    config.heartbeat_ms >= MIN_REPLICAS_HEARTBEAT_MIN_MS;
  if (!ok) throw new Error(`min-replicas: invalid configuration ${JSON.stringify(config)}`);
}

export function minReplicasStep(
  config: MinReplicasConfig,
  previous: MinReplicasState,
  input: MinReplicasInput,
): MinReplicasStep {
  const state: MinReplicasState = { ...previous };
  if (config.max_lag_ms === 0) return { state, effects: [] };
  switch (input.type) {
    case "tick":
      return { state, effects: onTick(config, state, input.now_ms, input.server) };
    case "heartbeat_result":
      if (state.in_flight?.id !== input.id) return { state, effects: [] }; // stale
      if (input.acked !== null && input.acked >= config.min_replicas) {
        state.covered_ms = Math.max(state.covered_ms ?? Number.NEGATIVE_INFINITY, state.in_flight.sent_ms);
      }
      state.in_flight = null;
      return { state, effects: [] };
    case "replicas_in_sync":
      if (!state.fenced_by_us || state.pending !== null || input.count < config.min_replicas) {
        return { state, effects: [] };
      }
      state.pending = "unfence";
      return { state, effects: [{ type: "unfence" }] };
    case "fence_result":
      return { state: onFenceResult(state, input.now_ms, input.fenced, input.ok), effects: [] };
    case "agent_command":
      return { state: { ...newMinReplicasState(), next_id: state.next_id }, effects: [] };
  }
}

function onTick(
  config: MinReplicasConfig,
  state: MinReplicasState,
  now_ms: number,
  server: ServerNow,
): MinReplicasEffect[] {
  if (server.role !== "master" || (server.fenced && !state.fenced_by_us)) {
    // Not ours to watch: a replica, or fenced by an agent or another rule. Start afresh later.
    state.covered_ms = null;
    state.in_flight = null;
    state.fenced_by_us = false;
    return [];
  }
  if (state.fenced_by_us || state.pending !== null) return [];
  // A master we start watching gets one bound from now before it must be covered.
  state.covered_ms ??= now_ms;
  const effects: MinReplicasEffect[] = [];
  const uncovered_ms = now_ms - state.covered_ms;
  if (uncovered_ms > config.max_lag_ms) {
    state.pending = "fence";
    state.in_flight = null;
    return [{ type: "fence", uncovered_ms }];
  }
  // A heartbeat lost (no result within the bound) no longer blocks the next one.
  if (state.in_flight !== null && now_ms - state.in_flight.sent_ms > config.max_lag_ms)
    state.in_flight = null;
  if (state.in_flight === null && now_ms - state.last_sent_ms >= config.heartbeat_ms) {
    state.next_id += 1;
    state.in_flight = { id: state.next_id, sent_ms: now_ms };
    state.last_sent_ms = now_ms;
    effects.push({
      type: "heartbeat",
      id: state.next_id,
      min_replicas: config.min_replicas,
      timeout_ms: config.max_lag_ms,
    });
  }
  return effects;
}

function onFenceResult(
  state: MinReplicasState,
  now_ms: number,
  fenced: boolean,
  ok: boolean,
): MinReplicasState {
  const asked = state.pending;
  state.pending = null;
  if (!ok) return state; // asked again at the next tick (fence) or the next INFO (unfence)
  if (asked === "fence" && fenced) state.fenced_by_us = true;
  if (asked === "unfence" && !fenced) {
    state.fenced_by_us = false;
    state.covered_ms = now_ms; // every write so far is on the replicas (that is why we lifted it)
  }
  return state;
}
