// The coordinated switchover (beyond Sentinel, whose SENTINEL FAILOVER loses the writes the old
// primary keeps accepting; Valkey 9's FAILOVER does the like): a manual failover whose old primary
// is reachable loses no acknowledged write. After election and replica selection (failover.ts):
//   fence-old-primary  +failover-state-fence-old-master  `fence` with the failover epoch to the OLD
//                      primary first; the ok reply carries its master_repl_offset, final once
//                      writes are refused (re-sent until answered: the data-node's fence is idempotent)
//   wait-catchup       +failover-state-wait-catchup      until the chosen replica, replicating the
//                      old primary, reports slave_repl_offset >= that offset (INFO asked at once on
//                      entry, then on every tick: writes are paused meanwhile)
// then the usual promotion, commit and reconfiguration, the old primary included (failover.ts).
// Both states together are bounded by switchoverTimeoutMs; on expiry
// `-failover-abort-catchup-timeout` and `unfence` with the same epoch: nothing was promoted and
// writes resume. A fence refused for a newer epoch, an old primary that is no longer a master or
// that went down before its fence was confirmed: `-failover-abort-fence-failed`. TILT during
// these states: `-failover-abort-tilt` (the fence is lifted rather than kept for the TILT period).
// Only manual failovers whose primary is not SDOWN catch up. Every other failover but a reassert
// passes the gate (docs/adr/0001-write-lease.md, startGate below): the same fence-old-primary
// state and fence command, but it promotes at the first of the fence acknowledged, the old
// primary's exit reported, or its write lease certainly expired (`+old-primary-fenced #how`).
// An unfence that got lost, or a fence whose leader crashed, is handled by reconcile.ts.
import { sendNodeCommand } from "./commands.js";
import { findLink, probeInfoNow } from "./detection.js";
import { abortFailover, setState } from "./failover-run.js";
import type { Out } from "./out.js";
import { emitOldPrimaryFenced } from "./lease.js";
import type { OldPrimaryFenced } from "./lease.js";
import { replicatesFrom } from "./selection.js";
import { sameAddress } from "./state.js";
import type { AgentState, FailoverRun, MasterState, PendingCommand, SwitchoverFence } from "./state.js";
import type { Address, NodeCommandResult } from "./types.js";

/** The chosen replica's INFO is polled this often during wait-catchup (the shell's tick). */
const CATCHUP_POLL_MS = 100;

/**
 * Bound of fence + catch-up, during which writes are refused: no longer than an outage the
 * automatic failover would tolerate (down-after), but at least 4 fast INFO periods so the
 * replica's offset can be observed, and never beyond failover-timeout.
 */
export function switchoverTimeoutMs(state: AgentState, master: MasterState): number {
  const settings = master.settings;
  const floor_ms = Math.max(settings.down_after_ms, 4 * state.timing.info_period_fast_ms);
  return Math.min(settings.failover_timeout_ms, floor_ms);
}

/** The primary answers (not SDOWN, no exit reported): a manual failover can fence it. */
export function primaryReachable(master: MasterState): boolean {
  return !master.link.sdown && !master.link.exited;
}

/**
 * A manual failover whose old primary is reachable fences it before promoting anything (and
 * chooses among the replicas streaming from it: selection.ts `in_sync_with`).
 */
export function wantsFence(master: MasterState, run: FailoverRun): boolean {
  return run.kind === "manual" && sameAddress(master.address, run.old_primary) && primaryReachable(master);
}

/** Enters fence-old-primary: the event, then the fence command with the failover epoch. */
export function startFence(out: Out, master: MasterState, run: FailoverRun): void {
  if (run.fence !== null || run.kind !== "manual") throw new Error("startFence: not a fresh manual failover");
  enterFence(out, master, run, "switchover");
}

/** fence-old-primary, for a switchover or a gate: the event, then the fence at the run's epoch. */
function enterFence(out: Out, master: MasterState, run: FailoverRun, mode: SwitchoverFence["mode"]): void {
  const now = out.state.now_ms;
  const fence: SwitchoverFence = {
    started_ms: now,
    command_id: null,
    sent_ms: now,
    offset: null,
    failed: false,
    mode,
    acknowledged: false,
  };
  run.fence = fence;
  setState(out, master, run, "fence-old-primary", [run.epoch]);
  sendFence(out, master, run, fence);
}

function sendFence(out: Out, master: MasterState, run: FailoverRun, fence: SwitchoverFence): void {
  fence.command_id = sendNodeCommand(out, master, run.old_primary, run.epoch, { type: "fence" }, "fence");
  fence.sent_ms = out.state.now_ms;
}

/** The result of a fence command (any attempt of the running switchover counts). */
export function onFenceResult(
  master: MasterState,
  pending: PendingCommand,
  command_id: number,
  result: NodeCommandResult,
): void {
  const run = master.failover;
  const fence = run?.fence ?? null;
  if (run === null || fence === null || run.state !== "fence-old-primary" || fence.offset !== null) return;
  if (pending.epoch !== run.epoch || !sameAddress(pending.address, run.old_primary)) return;
  if (fence.mode === "gate") {
    onGateFenceResult(fence, command_id, result);
    return;
  }
  if (result.ok) {
    if (result.role === "master") fence.offset = result.offset;
    else fence.failed = true;
  } else if (result.code === "SP_ERR_STALE_EPOCH" || result.code === "SP_ERR_EPOCH_CONFLICT") {
    fence.failed = true; // another leader holds a newer epoch on the old primary
  } else if (fence.command_id === command_id) {
    fence.command_id = null; // e.g. redis not answering: re-sent after info_period_fast_ms
  }
}

/**
 * The gate's fence: only `fenced: true` counts (the server refuses writes at our epoch); a refusal
 * (newer epoch, redis unavailable) changes nothing, the exit report or the lease still decide.
 */
function onGateFenceResult(fence: SwitchoverFence, command_id: number, result: NodeCommandResult): void {
  if (result.ok && result.fenced === true) {
    fence.acknowledged = true;
    if (result.role === "master") fence.offset = result.offset; // reconfigured first (failover.ts)
  } else if (fence.command_id === command_id) {
    fence.command_id = null; // re-sent after info_period_fast_ms while the gate waits
  }
}

/**
 * Every failover but a switchover and a reassert: fence the old primary at the failover epoch,
 * then promote at the first of fence acknowledged, supervised exit reported, write lease expired
 * (docs/adr/0001-write-lease.md). Same state and event as the switchover's fence.
 */
export function startGate(out: Out, master: MasterState, run: FailoverRun): void {
  if (run.fence !== null || run.kind === "reassert") throw new Error("startGate: not a fresh failover");
  if (run.lease_expired_by_ms === null) throw new Error("startGate: lease deadline not armed");
  enterFence(out, master, run, "gate");
}

/** The gate: how it was passed, or null while it waits (a wake is set for the lease deadline). */
export function gateStep(out: Out, master: MasterState, run: FailoverRun): OldPrimaryFenced | null {
  const fence = run.fence;
  const deadline_ms = run.lease_expired_by_ms;
  if (fence === null || fence.mode !== "gate" || deadline_ms === null) throw new Error("gateStep: no gate");
  const state = out.state;
  const link = findLink(master, run.old_primary);
  let how: OldPrimaryFenced | null = null;
  if (fence.acknowledged) how = "ack";
  else if (link?.exited === true) how = "exited";
  else if (state.now_ms >= deadline_ms) how = "lease-expired";
  if (how !== null) {
    emitOldPrimaryFenced(out, master, run, how);
    return how;
  }
  const timing = state.timing;
  const retry_ms =
    fence.command_id === null
      ? timing.info_period_fast_ms
      : Math.max(timing.info_period_fast_ms, 4 * timing.probe_timeout_ms); // reply lost
  if (state.now_ms - fence.sent_ms >= retry_ms) sendFence(out, master, run, fence);
  out.push({ type: "wake", after_ms: deadline_ms - state.now_ms });
  return null;
}

/**
 * After the gate passed on an acknowledged fence that carried the old primary's final offset
 * (issue 13: never promote behind what it reported while fenced): when the chosen replica still
 * streams from it and is behind, enter wait-catchup (same event as a switchover's) and return
 * true. Nothing is lost then, at the cost of one INFO round trip or so; a replica cut from the
 * old primary cannot catch up, so it is not waited for (the promotion limits judge it).
 */
export function startGateCatchup(out: Out, master: MasterState, run: FailoverRun): boolean {
  const fence = run.fence;
  const selected = run.selected;
  if (fence === null || fence.mode !== "gate" || selected === null || fence.offset === null) return false;
  const link = findLink(master, selected);
  if (link === null || !replicatesFrom(link, run.old_primary)) return false;
  if (caughtUp(master, run, fence.offset)) return false;
  setState(out, master, run, "wait-catchup", [fence.offset]);
  probeInfoNow(out, master, link);
  return true;
}

/**
 * The gate's catch-up: true (go on to promote) once the replica reached the fenced offset, or
 * after switchoverTimeoutMs (the old primary is down for the agents: the failover must go on; the
 * promotion limits then decide whether the remaining gap is acceptable).
 */
export function gateCatchupStep(out: Out, master: MasterState, run: FailoverRun): boolean {
  const fence = run.fence;
  const selected = run.selected;
  if (fence === null || fence.offset === null || selected === null)
    throw new Error("gate catch-up without a fence");
  const state = out.state;
  if (caughtUp(master, run, fence.offset)) return true;
  const timeout_ms = switchoverTimeoutMs(state, master);
  const left_ms = run.state_since_ms + timeout_ms - state.now_ms;
  if (left_ms <= 0) return true;
  pollCatchup(out, master, selected);
  out.push({ type: "wake", after_ms: Math.min(left_ms, CATCHUP_POLL_MS) });
  return false;
}

/** Asks the catching-up replica's INFO again once the previous answer is CATCHUP_POLL_MS old. */
function pollCatchup(out: Out, master: MasterState, selected: Address): void {
  const link = findLink(master, selected);
  if (
    link !== null &&
    link.info_probe_id === null &&
    out.state.now_ms - link.info_sent_ms >= CATCHUP_POLL_MS
  ) {
    probeInfoNow(out, master, link);
  }
}

export type SwitchoverProgress = "wait" | "promote" | "abort";

/** Advances fence-old-primary / wait-catchup. "abort": the failover was aborted (it is over). */
export function switchoverStep(out: Out, master: MasterState, run: FailoverRun): SwitchoverProgress {
  const fence = run.fence;
  const selected = run.selected;
  if (fence === null || selected === null) throw new Error(`${run.state} without a fence or a replica`);
  const state = out.state;
  const now = state.now_ms;
  const expired = now - fence.started_ms > switchoverTimeoutMs(state, master);
  if (fence.failed) return abortSwitchover(out, master, run, "-failover-abort-fence-failed");
  if (run.state === "fence-old-primary") {
    // Down before its offset is known: nothing to catch up with; the automatic failover takes over.
    if (fence.offset === null && !primaryReachable(master)) {
      return abortSwitchover(out, master, run, "-failover-abort-fence-failed");
    }
    if (fence.offset === null) {
      if (expired) return abortSwitchover(out, master, run, "-failover-abort-catchup-timeout");
      const timing = state.timing;
      const retry_ms =
        fence.command_id === null
          ? timing.info_period_fast_ms
          : Math.max(timing.info_period_fast_ms, 4 * timing.probe_timeout_ms); // reply lost
      if (now - fence.sent_ms >= retry_ms) sendFence(out, master, run, fence);
      return "wait";
    }
    setState(out, master, run, "wait-catchup", [fence.offset]);
    const link = findLink(master, selected);
    if (link !== null) probeInfoNow(out, master, link);
  }
  if (fence.offset !== null && caughtUp(master, run, fence.offset)) return "promote";
  if (expired) return abortSwitchover(out, master, run, "-failover-abort-catchup-timeout");
  pollCatchup(out, master, selected);
  return "wait";
}

/** The chosen replica replicates the old primary and has reached its offset at the fence. */
function caughtUp(master: MasterState, run: FailoverRun, offset: number): boolean {
  const selected = run.selected;
  if (selected === null) return false;
  const info = findLink(master, selected)?.info ?? null;
  return (
    info !== null &&
    info.role === "slave" &&
    info.master_host === run.old_primary.host &&
    info.master_port === run.old_primary.port &&
    (info.slave_repl_offset ?? -1) >= offset
  );
}

/** Nothing was promoted: the abort lifts the fence with the same epoch (failover-run.ts). */
function abortSwitchover(
  out: Out,
  master: MasterState,
  run: FailoverRun,
  name: "-failover-abort-catchup-timeout" | "-failover-abort-fence-failed",
): "abort" {
  abortFailover(out, master, name, [run.epoch], true);
  return "abort";
}
