// The failover state machine (sentinel.c: sentinelFailoverStateMachine and its states), one event
// per state change with Sentinel's names. The states, their events, allowed transitions and
// endings are one table (failover-states.ts); every change of state and every abort goes through
// failover-run.ts, which refuses what the table does not allow:
//   wait-start        candidate, collecting votes           -> +elected-leader / -failover-abort-not-elected
//   select-slave      +failover-state-select-slave            -> +selected-slave / -failover-abort-no-good-slave
//   fence-old-primary, wait-catchup (ours, switchover.ts): a manual failover with a reachable
//                     primary fences it and waits for the replica to catch up -> no write lost
//   pre-promote       (ours, pre-promote.ts) the configured fence script runs first
//                                                             -> -failover-abort-pre-promote-failed
//   send-slaveof-noone +failover-state-send-slaveof-noone     (promote command, with the failover epoch)
//   wait-promotion    +failover-state-wait-promotion          -> +promoted-slave / -failover-abort-slave-timeout
//   commit            compare-and-set of the topology record  -> +switch-master / -failover-abort-commit-*
//   reconf-slaves     +failover-state-reconf-slaves           -> +failover-end / +failover-end-for-timeout
// Differences from Sentinel: promotion completes on the data-node's command result or report, not
// on the next INFO poll; `+switch-master` is emitted as soon as the commit succeeds (before the
// replicas are reconfigured) so clients follow sooner; a "reassert" failover re-commits the current
// primary at a new epoch when an uncommitted promotion left a second master behind (reconcile.ts).
import { sendNodeCommand, sendReplicaof } from "./commands.js";
import { leaderSilenceMs, sendHello } from "./config.js";
import { switchMaster } from "./config.js";
import { findLink, probeInfoNow } from "./detection.js";
import { isElected, startElection, votesNeeded } from "./election.js";
import { orphanToAdopt } from "./reconcile.js";
import { abortFailover, endFailover, setState } from "./failover-run.js";
import { failoverStartDelayMs, isPeerAlive } from "./odown.js";
import { autoFailoverBlock, committedOperatorFields, reportBlocked } from "./maintenance.js";
import { prePromoteStep, startPrePromote, wantsPrePromote } from "./pre-promote.js";
import { admitsPromotion, exceedsLimits, lagArgs, limitsApply } from "./promotion-limit.js";
import { isPromotable, replicasAwaitingFirstInfo, replicatesFrom, selectReplica } from "./selection.js";
import { addressKey, nextId, sameAddress } from "./state.js";
import type { AgentState, FailoverRun, InstanceLink, MasterState } from "./state.js";
import { masterSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import { armLeaseDeadline, configEpochLearned } from "./lease.js";
import {
  gateCatchupStep,
  gateStep,
  startGateCatchup,
  startFence,
  startGate,
  switchoverStep,
  wantsFence,
} from "./switchover.js";
import type { Address, TopologyRecord } from "./types.js";

/**
 * Starts a failover when one is needed and allowed (ODOWN, no back-off, no live leader, and the
 * operator's gate open: not paused, not within the anti-flapping period; maintenance.ts). The one
 * place an automatic failover starts.
 */
export function maybeStartFailover(out: Out, master: MasterState): void {
  const state = out.state;
  if (master.failover !== null) return;
  if (state.now_ms < master.failover_retry_after_ms) return;
  const watch = master.watch_leader;
  if (watch !== null) {
    if (watchedLeaderActive(state, master, watch)) return;
    // Every voter of a silent leader gives up on it at about the same moment: they stand in the
    // order of ODOWN (odown.ts failoverStartDelayMs), not all at once. Both voters of a leader
    // SIGSTOPped after +elected-leader stood within 2 ms and split the vote (stop-leader, issue 13).
    master.watch_leader = null;
    master.odown_start_after_ms = Math.max(
      master.odown_start_after_ms,
      state.now_ms + failoverStartDelayMs(state, master),
    );
  }
  if (master.odown) {
    if (state.now_ms < master.odown_start_after_ms) {
      out.push({ type: "wake", after_ms: master.odown_start_after_ms - state.now_ms });
      return;
    }
    const block = autoFailoverBlock(state, master);
    if (block !== null) {
      reportBlocked(out, master, block);
      return;
    }
    if (canWinElection(out.state, master)) startElection(out, master, "auto");
    return;
  }
  if (master.conflict_start_after_ms !== null && state.now_ms >= master.conflict_start_after_ms) {
    if (!canWinElection(out.state, master)) return;
    master.conflict_start_after_ms = null;
    const orphan = orphanToAdopt(master);
    startElection(out, master, orphan === null ? "reassert" : "adopt", orphan);
  }
}

/**
 * Whether the leader we voted for still deserves the wait: within the watch (failover_timeout
 * after the vote) and heard within leaderSilenceMs, counted from the vote at the earliest. A
 * leader says hello four times a hello period while its failover runs (config.ts), so a stalled
 * one (SIGSTOP keeps its NATS connection) is given up on after one hello period of silence,
 * not after the three of isPeerAlive: a leader stopped right after +elected-leader held the
 * other agents back 2-3 s (stop-leader, issue 13).
 */
function watchedLeaderActive(
  state: AgentState,
  master: MasterState,
  watch: NonNullable<MasterState["watch_leader"]>,
): boolean {
  if (state.now_ms >= watch.until_ms) return false;
  const leader = master.agents.get(watch.id);
  if (leader === undefined) return false;
  const heard_ms = Math.max(leader.last_hello_ms ?? Number.NEGATIVE_INFINITY, watch.since_ms);
  return state.now_ms - heard_ms <= leaderSilenceMs(state);
}

/**
 * Whether the agents alive for us (ourselves and peers heard within three hello periods) could
 * cast the votes needed. If not, an election only burns an epoch: with 3 of 5 agents dead, one
 * agent reached epoch 288 in 4 minutes of `-failover-abort-not-elected` (issue 13). Sentinel
 * stands anyway; we wait until enough peers are back (manual failovers are not held back).
 */
export function canWinElection(state: AgentState, master: MasterState): boolean {
  let alive = 1;
  for (const peer of master.agents.values()) if (isPeerAlive(state, peer)) alive += 1;
  return alive >= votesNeeded(master);
}

// Tests import the back-off from the failover module.
export { failoverBackoffMs } from "./failover-run.js";

/**
 * TILT suspends failovers, but a switchover's fence would keep the primary unwritable for the
 * whole TILT period: before anything was promoted, give up at once and lift it (switchover.ts).
 */
export function abandonSwitchover(out: Out, master: MasterState): void {
  const run = master.failover;
  if (run === null) return;
  const fenced = run.state === "pre-promote" && run.fence !== null;
  if (run.state !== "fence-old-primary" && run.state !== "wait-catchup" && !fenced) return;
  abortFailover(out, master, "-failover-abort-tilt", [run.epoch], true);
}

/** Advances the running failover as far as the current knowledge allows. */
export function failoverStep(out: Out, master: MasterState): void {
  const run = master.failover;
  if (run === null) return;
  const now = out.state.now_ms;
  switch (run.state) {
    case "wait-start":
      if (isElected(master)) {
        armLeaseDeadline(out.state, master, run);
        out.event("+elected-leader", master, masterSubject(master));
        setState(out, master, run, "select-slave");
        selectAndPromote(out, master, run);
      } else if (run.election_deadline_ms !== null && now >= run.election_deadline_ms) {
        abortFailover(out, master, "-failover-abort-not-elected");
      }
      return;
    case "select-slave":
    case "send-slaveof-noone":
      selectAndPromote(out, master, run);
      return;
    case "fence-old-primary":
    case "wait-catchup": {
      if (run.fence?.mode === "gate") {
        if (run.state === "wait-catchup") {
          if (gateCatchupStep(out, master, run)) beginPromotion(out, master, run);
          return;
        }
        const how = gateStep(out, master, run);
        // Fenced but alive (issue 13): a replica streaming from it first reaches its final offset.
        if (how === "ack" && startGateCatchup(out, master, run)) return;
        if (how !== null) beginPromotion(out, master, run);
        return;
      }
      if (switchoverStep(out, master, run) === "promote") beginPromotion(out, master, run);
      return;
    }
    case "pre-promote": {
      if (prePromoteStep(out, master, run) === "promote") promote(out, master, run);
      return;
    }
    case "wait-promotion":
      waitPromotion(out, master, run);
      return;
    case "commit":
      if (now - run.state_since_ms > master.settings.failover_timeout_ms) {
        abortFailover(out, master, "-failover-abort-commit-timeout", [run.epoch]);
      } else if (run.commit_id === null && now - run.last_commit_ms >= out.state.timing.info_period_fast_ms) {
        sendCommit(out, master, run);
      }
      return;
    case "reconf-slaves":
      reconfStep(out, master, run);
      return;
  }
}

/**
 * A node promoted by an older, concurrent failover may hold a promote-lease (lease.ts): nothing is
 * fenced or promoted before it has certainly run out. Null deadline (one leader, the common
 * case): no wait.
 */
function awaitPromoteLeases(out: Out, run: FailoverRun): boolean {
  const deadline_ms = run.promote_leases_expired_by_ms;
  if (deadline_ms === null || out.state.now_ms >= deadline_ms) return false;
  out.push({ type: "wake", after_ms: deadline_ms - out.state.now_ms });
  return true;
}

function selectAndPromote(out: Out, master: MasterState, run: FailoverRun): void {
  if (awaitPromoteLeases(out, run)) return;
  let target: Address;
  if (run.kind === "reassert") {
    target = master.address;
    out.event("+reassert-master", master, masterSubject(master), [run.epoch]);
  } else if (run.kind === "adopt" && run.target !== null) {
    // Promoted by a failover that never committed, it may hold writes the current primary never
    // saw (promote-leases, ADR 0001): it is the one to keep, moved to like any failover's pick.
    target = run.target;
    out.event("+selected-slave", master, slaveSubject(master, target));
  } else {
    if (run.state === "select-slave" && awaitFirstInfo(out, master, run)) return;
    const link = chooseReplica(out, master, run, (l) => admitsPromotion(master, run, l));
    if (link === null) {
      // Replicas qualify, but none within the promotion limits: abort, do not promote stale data.
      const lagging = limitsApply(master, run) ? chooseReplica(out, master, run, () => true) : null;
      if (lagging !== null) abortLagging(out, master, run, lagging.address);
      else abortFailover(out, master, "-failover-abort-no-good-slave");
      return;
    }
    target = link.address;
    out.event("+selected-slave", master, slaveSubject(master, target));
    if (run.force && exceedsLimits(master, run, link)) {
      out.event("+promotion-lag-forced", master, slaveSubject(master, target), lagArgs(master, run, target));
    }
  }
  run.selected = target;
  if (wantsFence(master, run)) {
    startFence(out, master, run); // switchover.ts; beginPromotion() once the replica caught up
    return;
  }
  if (run.kind !== "reassert") {
    startGate(out, master, run); // switchover.ts: fence before promote (ADR 0001)
    failoverStep(out, master); // the gate may already be open (exit reported, lease expired)
    return;
  }
  beginPromotion(out, master, run);
}

/**
 * Whether selection should wait for the first INFO of replicas we only just learned of
 * (selection.ts replicasAwaitingFirstInfo): each is asked once when select-slave begins unless an
 * INFO is already outstanding, and the wait ends when every one has answered or failed, at the
 * latest two probe timeouts later. Without it, a leader elected within its first second skipped
 * a better replica whose INFO had not come back yet.
 */
function awaitFirstInfo(out: Out, master: MasterState, run: FailoverRun): boolean {
  const state = out.state;
  const deadline_ms = run.state_since_ms + 2 * state.timing.probe_timeout_ms;
  if (state.now_ms >= deadline_ms) return false;
  let waiting = false;
  for (const link of replicasAwaitingFirstInfo(state, master)) {
    // One still outstanding is awaited, not doubled (it shares the link, its reply comes first).
    if (link.info_probe_id === null && link.info_sent_ms < run.state_since_ms)
      probeInfoNow(out, master, link);
    if (link.info_probe_id !== null) waiting = true;
  }
  if (waiting) out.push({ type: "wake", after_ms: deadline_ms - state.now_ms });
  return waiting;
}

/**
 * The replica is chosen (and caught up): the pre-promote hook first when configured. The limits
 * are checked again: a fence acknowledged since the selection gave the old primary's final offset.
 */
function beginPromotion(out: Out, master: MasterState, run: FailoverRun): void {
  const selected = run.selected;
  const link = selected === null ? null : findLink(master, selected);
  if (selected !== null && link !== null && !admitsPromotion(master, run, link)) {
    abortLagging(out, master, run, selected);
    return;
  }
  if (wantsPrePromote(master, run))
    startPrePromote(out, master, run); // promote() on its success
  else promote(out, master, run);
}

/**
 * `-failover-abort-lagging-slaves` with the lag of `best` (the replica the limits held back). An
 * old primary this run fenced is unfenced like a switchover's (nothing was promoted); before any
 * fence, or when the fence was never confirmed (the process exited, the lease ran out), there is
 * nothing of ours to lift. Retried after the back-off, like `-failover-abort-no-good-slave`.
 */
function abortLagging(out: Out, master: MasterState, run: FailoverRun, best: Address): void {
  const [bytes, ms] = lagArgs(master, run, best);
  const fence = run.fence;
  const lift_fence = fence !== null && (fence.mode === "switchover" || fence.acknowledged);
  abortFailover(out, master, "-failover-abort-lagging-slaves", [run.epoch, bytes, ms], lift_fence);
}

/**
 * The manual failover's target when it names one (it must still qualify), else the best replica;
 * a switchover only considers replicas streaming from the old primary (they can catch up).
 */
function chooseReplica(
  out: Out,
  master: MasterState,
  run: FailoverRun,
  admit: (link: InstanceLink) => boolean,
): InstanceLink | null {
  const in_sync_with = wantsFence(master, run) ? run.old_primary : null;
  if (run.target === null) return selectReplica(out.state, master, in_sync_with, admit);
  const link = master.replicas.get(addressKey(run.target)) ?? null;
  if (link === null || !isPromotable(out.state, master, link) || !admit(link)) return null;
  return in_sync_with === null || replicatesFrom(link, in_sync_with) ? link : null;
}

/** send-slaveof-noone then wait-promotion: the promote command with the failover epoch. */
function promote(out: Out, master: MasterState, run: FailoverRun): void {
  const target = run.selected;
  if (target === null) throw new Error("promote without a selected replica");
  setState(out, master, run, "send-slaveof-noone");
  run.promote_command_id = sendNodeCommand(out, master, target, run.epoch, { type: "promote" }, "promote");
  setState(out, master, run, "wait-promotion");
}

function waitPromotion(out: Out, master: MasterState, run: FailoverRun): void {
  const selected = run.selected;
  if (selected === null) throw new Error("wait-promotion without a selected replica");
  const link = findLink(master, selected);
  const reported =
    link !== null &&
    link.role_reported === "master" &&
    link.info_ms !== null &&
    link.info_ms >= run.state_since_ms &&
    // With a data-node, its accepted epoch must show that our command (not an older one) did it.
    (link.node_epoch < 0 || link.node_epoch >= run.epoch);
  // A reassert's (or an adopted) node was master before: its role proves nothing, only the
  // command's result does
  // (a data-node that accepted the epoch while its server hung had not run it: the primary then
  // took writes at the new epoch with no promotion behind them, `npm run sim -- --seed 5328
  // --verbose` before this rule).
  if (run.promote_confirmed || (reported && run.kind !== "reassert" && run.kind !== "adopt")) {
    setState(out, master, run, "commit"); // +promoted-slave
    sendCommit(out, master, run);
    return;
  }
  if (out.state.now_ms - run.state_since_ms > master.settings.failover_timeout_ms) {
    abortFailover(out, master, "-failover-abort-slave-timeout");
  }
}

function sendCommit(out: Out, master: MasterState, run: FailoverRun): void {
  const selected = run.selected;
  if (selected === null) throw new Error("commit without a selected replica");
  const replicas: Address[] = [];
  for (const link of master.replicas.values()) {
    if (!sameAddress(link.address, selected)) replicas.push(link.address);
  }
  if (!sameAddress(master.address, selected)) replicas.push(master.address);
  const record: TopologyRecord = {
    master_name: master.name,
    config_epoch: run.epoch,
    primary: selected,
    replicas,
    leader: out.state.myid,
    ...committedOperatorFields(out.state, master, run.kind === "auto"),
  };
  const commit_id = nextId(out.state);
  out.state.commits.set(commit_id, { master: master.name, epoch: run.epoch, sent_ms: out.state.now_ms });
  run.commit_id = commit_id;
  run.last_commit_ms = out.state.now_ms;
  out.push({ type: "commit_topology", commit_id, record, expected_revision: master.topology_revision });
}

/** The commit succeeded: adopt the configuration, tell clients, then reconfigure replicas. */
export function commitSucceeded(out: Out, master: MasterState, run: FailoverRun): void {
  const selected = run.selected;
  if (selected === null) throw new Error("commit succeeded without a selected replica");
  master.config_epoch = run.epoch;
  configEpochLearned(master, out.state.now_ms);
  out.markDirty();
  const old = master.address;
  if (!sameAddress(old, selected)) {
    switchMaster(out, master, selected);
    out.push({
      type: "client_reconfig",
      master_name: master.name,
      role: "leader",
      state: "start",
      from: old,
      to: selected,
    });
  }
  sendHello(out, master);
  setState(out, master, run, "reconf-slaves");
  reconfStep(out, master, run);
}

/** The commit lost its compare-and-set (or failed): abort, or retry when the KV was unreachable. */
export function commitFailed(out: Out, master: MasterState, run: FailoverRun, conflict: boolean): void {
  if (!conflict) {
    run.commit_id = null; // retried from failoverStep after info_period_fast_ms
    return;
  }
  abortFailover(out, master, "-failover-abort-commit-conflict", [run.epoch]);
}

/** Sentinel's SENTINEL_SLAVE_RECONF_TIMEOUT (10 s), bounded by failover_timeout. */
function reconfTimeoutMs(master: MasterState): number {
  return Math.min(10_000, master.settings.failover_timeout_ms);
}

/**
 * Replicas to reconfigure: all but the old primary (converted when it comes back), except after a
 * switchover: the old primary is reachable and fenced, so it goes first, at once.
 */
function reconfTargets(master: MasterState, run: FailoverRun): InstanceLink[] {
  const links = [...master.replicas.values()];
  const others = links.filter((link) => !sameAddress(link.address, run.old_primary));
  if (run.fence === null || run.fence.offset === null) return others;
  const old = links.find((link) => sameAddress(link.address, run.old_primary));
  return old === undefined ? others : [old, ...others];
}

function reconfStep(out: Out, master: MasterState, run: FailoverRun): void {
  const now = out.state.now_ms;
  const targets = reconfTargets(master, run);
  if (now - run.state_since_ms > master.settings.failover_timeout_ms) {
    out.event("+failover-end-for-timeout", master, masterSubject(master));
    for (const link of targets) {
      if (link.reconf === "none") sendReplicaof(out, master, link, run.epoch, "reconf");
    }
    out.event("+failover-end", master, masterSubject(master));
    endFailover(out, master, "+failover-end-for-timeout");
    return;
  }
  let in_progress = 0;
  for (const link of targets) {
    observeReconf(out, master, link);
    if (link.reconf === "sent" || link.reconf === "inprog") in_progress += 1;
  }
  for (const link of targets) {
    if (in_progress >= master.settings.parallel_syncs) break;
    if (link.reconf !== "none" || link.sdown) continue;
    sendReplicaof(out, master, link, run.epoch, "reconf");
    link.reconf = "sent";
    link.reconf_sent_ms = now;
    out.event("+slave-reconf-sent", master, slaveSubject(master, link.address));
    in_progress += 1;
  }
  const pending = targets.filter((link) => link.reconf !== "done" && !link.sdown);
  if (pending.length === 0) {
    out.event("+failover-end", master, masterSubject(master));
    endFailover(out, master, "+failover-end");
  }
}

function observeReconf(out: Out, master: MasterState, link: InstanceLink): void {
  if (link.reconf !== "sent" && link.reconf !== "inprog") return;
  const subject = slaveSubject(master, link.address);
  const info = link.info;
  const fresh = info !== null && link.info_ms !== null && link.info_ms >= link.reconf_sent_ms;
  const follows =
    fresh &&
    info.role === "slave" &&
    info.master_host === master.address.host &&
    info.master_port === master.address.port;
  if (follows && link.reconf === "sent") {
    link.reconf = "inprog";
    out.event("+slave-reconf-inprog", master, subject);
  }
  if (follows && info.master_link_status === "up" && info.master_sync_in_progress !== true) {
    link.reconf = "done";
    out.event("+slave-reconf-done", master, subject);
    return;
  }
  if (link.reconf === "sent" && out.state.now_ms - link.reconf_sent_ms > reconfTimeoutMs(master)) {
    link.reconf = "done";
    out.event("+slave-reconf-sent-timeout", master, subject);
  }
}
