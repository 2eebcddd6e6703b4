// The operator's gate on automatic failovers: maintenance mode (a pause with a required expiry)
// and anti-flapping (no new automatic failover of a master within `failover_block_period_ms` of
// the last one, unless an operator acknowledged that one: orchestrator's RecoveryPeriodBlockSeconds
// + ack-cluster-recoveries). Manual failovers and switchovers are never gated; neither is a
// reassert (it re-commits the current primary, it moves nothing).
//
// Where the facts live, and why there: in the committed topology record (JetStream KV, one key per
// master, compare-and-set), as optional fields `pause`, `auto_failover_unix_ms` and `ack`:
// - every agent reads the same record through the KV watch, at start too, so all agents agree,
//   after a restart of any or all of them, and one that was down catches up from the record
//   instead of depending on having received a message (the admin-propagation path's weakness);
// - the time of the last automatic failover is written by the very compare-and-set that commits
//   that failover, so it cannot be lost between the commit and a second write, and whichever agent
//   leads the next failover knows it;
// - every commit carries the fields it read (failover.ts sendCommit); an operator change written
//   while a failover is committing makes that commit's compare-and-set fail, and the leader
//   retries it with the new fields instead of aborting (agent.ts onCommitResult: same epoch and
//   primary = an operator-only change).
// Times are wall-clock Unix ms (the tick's `unix_ms`), not core time: core time restarts with the
// process and differs between agents (clock.ts), and a pause must expire at the same moment for
// all of them and after restarts. A wall clock that jumps moves the expiry with it; agents whose
// clocks disagree by d see the expiry d apart (NTP keeps that well under a second).
// The rule is pure: it reads the state's last `unix_ms`; without one (no tick carried it yet) a
// recorded pause or block counts as active, the cautious reading.
import type { ErrorCode } from "@sentinel-plane/protocol";
import type { AdminOutcome } from "./admin.js";
import { masterSubject } from "./out.js";
import type { Out } from "./out.js";
import type { AgentState, MasterState } from "./state.js";
import { utcText } from "./utc-text.js";
import type { AdminCommand, FailoverAck, OperatorChange, OperatorPause, TopologyRecord } from "./types.js";

/** A pause needs an expiry within [PAUSE_DURATION_MS_MIN, PAUSE_DURATION_MS_MAX]. */
export const PAUSE_DURATION_MS_MIN = 1000;
export const PAUSE_DURATION_MS_MAX = 7 * 24 * 3600 * 1000;

/**
 * Default anti-flapping period: 10 minutes. orchestrator's 3600 s suits MySQL, where a failover is
 * followed by manual repair; a Redis master left without a primary loses every write at once, so
 * the block is shorter, yet longer than a crash-restart loop (systemd's default restart burst is
 * 5 starts in 10 s; a poison key that crashes each new primary does so within seconds) and than
 * Sentinel's own 2 x failover-timeout back-off (6 min by default). 0 disables it.
 */
export const FAILOVER_BLOCK_PERIOD_MS_DEFAULT = 600_000;
export const FAILOVER_BLOCK_PERIOD_MS_MAX = 7 * 24 * 3600 * 1000;

/** Bound on the `by` label written into the record and the events. */
const BY_LENGTH_MAX = 128;

export type AutoFailoverBlock =
  | { readonly reason: "paused"; readonly pause: OperatorPause }
  | {
      readonly reason: "flapping";
      readonly failover_unix_ms: number;
      readonly until_unix_ms: number;
    };

/** Whether the pause holds at `unix_ms` (unknown time: yes while one is recorded unresumed). */
export function pauseActive(pause: OperatorPause | null, unix_ms: number | null): boolean {
  if (pause === null) return false;
  if (pause.resumed_by !== undefined) return false;
  return unix_ms === null || unix_ms < pause.until_unix_ms;
}

/**
 * Why an automatic failover of `master` may not start now, or null. THE gate: called where an
 * automatic failover starts (failover.ts maybeStartFailover) and where a vote for one is given
 * (election.ts onVoteRequest), nowhere else.
 */
export function autoFailoverBlock(state: AgentState, master: MasterState): AutoFailoverBlock | null {
  const controls = master.operator;
  const pause = controls.pause;
  if (pause !== null && pauseActive(pause, state.unix_ms)) return { reason: "paused", pause };
  const period_ms = master.settings.failover_block_period_ms;
  const last_ms = controls.auto_failover_unix_ms;
  if (period_ms <= 0 || last_ms === null) return null;
  if (controls.ack !== null && controls.ack.failover_unix_ms === last_ms) return null;
  const until_unix_ms = last_ms + period_ms;
  if (state.unix_ms !== null && state.unix_ms >= until_unix_ms) return null;
  return { reason: "flapping", failover_unix_ms: last_ms, until_unix_ms };
}

function iso(unix_ms: number): string {
  return utcText(unix_ms);
}

/** One `+failover-blocked-*` event per ODOWN episode and reason. */
export function reportBlocked(out: Out, master: MasterState, block: AutoFailoverBlock): void {
  const last = master.operator.blocked_reported;
  if (last !== null && last.odown_since_ms === master.odown_since_ms && last.reason === block.reason) return;
  master.operator.blocked_reported = { odown_since_ms: master.odown_since_ms, reason: block.reason };
  if (block.reason === "paused") {
    const { until_unix_ms, by } = block.pause;
    out.event("+failover-blocked-paused", master, masterSubject(master), [iso(until_unix_ms), by]);
  } else {
    const args = [iso(block.failover_unix_ms), iso(block.until_unix_ms)];
    out.event("+failover-blocked-flapping", master, masterSubject(master), args);
  }
}

/** `+pause` / `-pause` when the pause starts or ends for this agent (observed, resumed, expired). */
export function refreshPause(out: Out, master: MasterState): void {
  // Reported once the wall clock is known (the first tick): a pause that expired while the agent
  // was down then shows neither `+pause` nor `-pause`. The gate meanwhile counts it as active.
  if (out.state.unix_ms === null) return;
  const controls = master.operator;
  const active = pauseActive(controls.pause, out.state.unix_ms);
  if (active === controls.pause_reported) return;
  controls.pause_reported = active;
  const pause = controls.pause;
  if (active && pause !== null) {
    out.event("+pause", master, masterSubject(master), [iso(pause.until_unix_ms), pause.by]);
    return;
  }
  const how = pause?.resumed_by === undefined ? "expired" : `resumed by ${pause.resumed_by}`;
  out.event("-pause", master, masterSubject(master), [how]);
}

/** Takes the operator fields of an observed record (the latest revision) into the state. */
export function observeOperator(out: Out, master: MasterState, record: TopologyRecord): void {
  const controls = master.operator;
  controls.pause = record.pause ?? null;
  controls.auto_failover_unix_ms = record.auto_failover_unix_ms ?? null;
  const ack = record.ack ?? null;
  const acked_before = controls.ack?.failover_unix_ms ?? null;
  controls.ack = ack;
  if (ack !== null && ack.failover_unix_ms !== acked_before) {
    out.event("+failover-ack", master, masterSubject(master), [iso(ack.failover_unix_ms), ack.by]);
  }
}

/** The operator fields a commit of `master` carries; an automatic failover stamps its time. */
export function committedOperatorFields(
  state: AgentState,
  master: MasterState,
  automatic: boolean,
): Pick<TopologyRecord, "pause" | "auto_failover_unix_ms" | "ack"> {
  const controls = master.operator;
  const failover_ms = automatic && state.unix_ms !== null ? state.unix_ms : controls.auto_failover_unix_ms;
  return {
    ...(controls.pause === null ? {} : { pause: controls.pause }),
    ...(failover_ms === null ? {} : { auto_failover_unix_ms: failover_ms }),
    ...(controls.ack === null ? {} : { ack: controls.ack }),
  };
}

/** The record with the operator's change applied (the shell's read-change-compare-and-set). */
export function applyOperatorChange(
  record: TopologyRecord,
  change: OperatorChange,
): { readonly ok: true; readonly record: TopologyRecord } | { readonly ok: false; readonly reason: string } {
  if (change.kind === "pause") return { ok: true, record: { ...record, pause: change.pause } };
  if (record.auto_failover_unix_ms !== change.ack.failover_unix_ms) {
    return { ok: false, reason: "another automatic failover happened meanwhile: acknowledge that one" };
  }
  return { ok: true, record: { ...record, ack: change.ack } };
}

/** A refusal: `ERR <text>` for RESP (its code our registry code, or Sentinel's `ERR`), `code` for REST. */
function refuse(code: ErrorCode, text: string, resp_code: string = code): AdminOutcome {
  return { ok: false, code: resp_code, message: `ERR ${text}`, error: { code, detail: text } };
}

/** A label fit for the record and the events: one line, bounded. */
function byLabel(by: string): string {
  const clean = by.replace(/[\r\n\t]+/g, " ").trim();
  return clean === "" ? "unknown" : clean.slice(0, BY_LENGTH_MAX);
}

export function invalidPauseDuration(duration_ms: number): string | null {
  if (!Number.isSafeInteger(duration_ms)) return "a pause needs an expiry: a whole number of milliseconds";
  if (duration_ms < PAUSE_DURATION_MS_MIN || duration_ms > PAUSE_DURATION_MS_MAX) {
    return `a pause expires after ${PAUSE_DURATION_MS_MIN} ms to ${PAUSE_DURATION_MS_MAX} ms (7 days), got ${duration_ms}`;
  }
  return null;
}

type OperatorCommand = Extract<AdminCommand, { type: "pause" | "resume" | "ack_failover" }>;

/**
 * Validates a pause/resume/ack and emits the `commit_operator` effect (answered by the shell once
 * written); returns an outcome only when it answers at once (a refusal, or nothing to write).
 */
export function operatorCommand(out: Out, command: OperatorCommand, request_id: number): AdminOutcome | null {
  const state = out.state;
  const master = state.masters.get(command.name);
  if (master === undefined) return refuse("SP_ERR_UNKNOWN_MASTER", "No such master with that name", "ERR");
  if (command.type === "pause") {
    const reason = invalidPauseDuration(command.duration_ms);
    if (reason !== null) return refuse("SP_ERR_PAUSE_EXPIRY_INVALID", reason);
  }
  if (state.unix_ms === null) return refuse("SP_ERR_UNAVAILABLE", "the wall clock is not known yet, retry");
  if (master.topology_revision === 0) {
    return refuse("SP_ERR_UNAVAILABLE", `no committed record of ${master.name} yet, retry`);
  }
  const change = operatorChange(state.unix_ms, master, command);
  if (change === null) return { ok: true, message: "OK" }; // resume of an unpaused master
  if ("refused" in change) return change.refused;
  out.push({ type: "commit_operator", request_id, master_name: master.name, change });
  return null;
}

function operatorChange(
  unix_ms: number,
  master: MasterState,
  command: OperatorCommand,
): OperatorChange | { readonly refused: AdminOutcome } | null {
  const by = byLabel(command.by);
  switch (command.type) {
    case "pause": {
      const pause: OperatorPause = {
        since_unix_ms: unix_ms,
        until_unix_ms: unix_ms + command.duration_ms,
        by,
      };
      return { kind: "pause", pause };
    }
    case "resume": {
      const pause = master.operator.pause;
      if (pause === null || !pauseActive(pause, unix_ms)) return null;
      return { kind: "pause", pause: { ...pause, until_unix_ms: unix_ms, resumed_by: by } };
    }
    case "ack_failover": {
      const failover_unix_ms = master.operator.auto_failover_unix_ms;
      if (failover_unix_ms === null) {
        return {
          refused: refuse("SP_ERR_NOTHING_TO_ACKNOWLEDGE", `${master.name} has had no automatic failover`),
        };
      }
      const ack: FailoverAck = { failover_unix_ms, at_unix_ms: unix_ms, by };
      return { kind: "ack", ack };
    }
  }
}

/** What status, REST and metrics show of a master's operator controls. */
export interface OperatorView {
  readonly paused: boolean;
  readonly pause: OperatorPause | null;
  readonly last_auto_failover_unix_ms: number | null;
  readonly ack: FailoverAck | null;
  readonly failover_block_period_ms: number;
  /** An automatic failover would be blocked by anti-flapping until then (null: not blocked). */
  readonly failover_blocked_until_unix_ms: number | null;
}

export function operatorView(state: AgentState, master: MasterState): OperatorView {
  // Shown even while a pause hides it in autoFailoverBlock: the operator sees both.
  const controls = master.operator;
  const last = controls.auto_failover_unix_ms;
  const period_ms = master.settings.failover_block_period_ms;
  const acked = controls.ack !== null && controls.ack.failover_unix_ms === last;
  const until = last === null || period_ms <= 0 || acked ? null : last + period_ms;
  const blocked = until !== null && (state.unix_ms === null || state.unix_ms < until);
  return {
    paused: pauseActive(controls.pause, state.unix_ms),
    pause: controls.pause,
    last_auto_failover_unix_ms: last,
    ack: controls.ack,
    failover_block_period_ms: period_ms,
    failover_blocked_until_unix_ms: blocked ? until : null,
  };
}
