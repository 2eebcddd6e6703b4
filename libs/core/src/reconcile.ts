// Bringing instances back in line with the configuration when no failover runs (sentinel.c:
// sentinelRefreshInstanceInfo's "+convert-to-slave" and "+fix-slave-config"). Only while the
// primary looks sane, so that a failover in progress elsewhere is not undone. Every command carries
// our config epoch: a data-node that already accepted a newer epoch refuses it.
//
// Beyond Sentinel: a replica that reports role master with an epoch newer than our configuration
// was promoted by a leader that never committed. It may have acknowledged writes under
// promote-leases (ADR 0001) that the current primary never saw, so when it answers the agent runs
// an "adopt" failover (failover.ts): elected at a new epoch, it fences the current primary and
// commits that node, as any failover to it would. When no such node answers (or the conflict is a
// stuck fence) it runs a "reassert": it re-commits the current primary and points every replica
// at it.
//
// Fences (see also switchover.ts): a fence at our config epoch or older is lifted by
// `unfenceIfSafe`; an aborted switchover's `unfence` is repeated until the primary reports it
// lifted; a fence at a NEWER epoch that nobody lifts (the switchover's leader crashed) is "stuck":
// after stuckFenceMs the agent reasserts the primary at a new epoch, and the promote it sends lifts
// the fence on the data-node.
import { observeEpoch } from "./config.js";
import { failoverPending, promoteGrantHolds, promoteSupersedes } from "./lease.js";
import { randomBetween } from "./random.js";
import { sendNodeCommand, sendReplicaof } from "./commands.js";
import { nextId } from "./state.js";
import type { InstanceLink, MasterState } from "./state.js";
import type { Address } from "./types.js";
import type { AgentState } from "./state.js";
import { masterSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";

/** sentinelMasterLooksSane: up, reports master, recent INFO. */
export function masterLooksSane(state: AgentState, master: MasterState): boolean {
  const link = master.link;
  return (
    !link.sdown &&
    !master.odown &&
    link.role_reported === "master" &&
    link.info_ms !== null &&
    state.now_ms - link.info_ms < 2 * state.timing.info_period_ms
  );
}

function fixAllowed(state: AgentState, link: InstanceLink, wait_ms: number): boolean {
  return link.last_fix_ms === null || state.now_ms - link.last_fix_ms >= wait_ms;
}

/**
 * Agents (self included) heard from within 3 hello periods are a majority of the known agents.
 * A minority must not lift a fence: the other side may have promoted another primary.
 */
export function seesMajority(state: AgentState, master: MasterState): boolean {
  const fresh_ms = 3 * state.timing.hello_period_ms;
  let heard = 1;
  for (const peer of master.agents.values()) {
    if (peer.last_hello_ms !== null && state.now_ms - peer.last_hello_ms <= fresh_ms) heard++;
  }
  return heard >= Math.floor((master.agents.size + 1) / 2) + 1;
}

/**
 * Beyond Sentinel: data-nodes fence their primary on their own (start after a restart, hang, lost
 * control plane). When the configured primary is sane, fenced, and this agent sees a majority of
 * agents, lift the fence with our config epoch. Rate-limited like the other fixes.
 */
function unfenceIfSafe(out: Out, master: MasterState): void {
  const state = out.state;
  const link = master.link;
  if (!link.fenced || state.tilt || !seesMajority(state, master)) return;
  // A fence at a newer epoch (a switchover) is not ours to lift: the data-node would refuse it.
  if (link.node_epoch > master.config_epoch) return;
  // Lifting a fence vouches for the primary as a lease grant does (ADR 0001): not while a failover
  // we voted for may still promote another node (the simulator found an old primary unfenced at
  // the old epoch after the new one was promoted: `npm run sim -- --seed 416 --verbose`).
  if (failoverPending(state, master)) return;
  // Nor after we leased a node promoted at a newer epoch that never committed (lease.ts).
  if (promoteSupersedes(master)) return;
  const wait_ms = state.timing.info_period_fast_ms;
  if (!fixAllowed(state, link, wait_ms)) return;
  link.last_fix_ms = state.now_ms;
  sendNodeCommand(out, master, link.address, master.config_epoch, { type: "unfence" }, "fix");
  out.event("+unfence-master", master, masterSubject(master), [master.config_epoch]);
}

/** Sends of an aborted switchover's `unfence`, the first (at the abort) included. */
export const ABORT_UNFENCE_ATTEMPTS_MAX = 10;

/**
 * Our switchover aborted and sent `unfence` (switchover.ts); the reply may have been lost, or the
 * data-node was restarting. Repeat it with the same epoch every fast INFO period until a report
 * newer than the abort shows no fence, at most ABORT_UNFENCE_ATTEMPTS_MAX sends (then the stuck
 * fence rule below is the last resort). Not only while the primary looks sane: a primary whose
 * data-node restarts looks down for a while, and waiting for the stuck-fence bound
 * (3 x failover-timeout) left it unwritable for minutes (issue 13). The unfence carries the
 * aborted epoch, so a data-node that accepted anything newer refuses it.
 */
function repeatAbortUnfence(out: Out, master: MasterState): void {
  const state = out.state;
  const unfence = master.unfence;
  const link = master.link;
  if (unfence === null) return;
  const epoch = unfence.epoch;
  const lifted = !link.fenced && link.report_seq > unfence.report_seq;
  const superseded = link.node_epoch > epoch || master.config_epoch >= epoch;
  if (lifted || superseded || unfence.attempts >= ABORT_UNFENCE_ATTEMPTS_MAX) {
    master.unfence = null;
    return;
  }
  // A minority must not lift it: the majority may have promoted another primary meanwhile.
  if (state.tilt || !seesMajority(state, master)) return;
  if (!fixAllowed(state, link, state.timing.info_period_fast_ms)) return;
  link.last_fix_ms = state.now_ms;
  unfence.attempts += 1;
  sendNodeCommand(out, master, link.address, epoch, { type: "unfence" }, "fix");
  out.event("+unfence-master", master, masterSubject(master), [epoch]);
}

/**
 * The node an uncommitted failover promoted, to commit rather than demote (file header): a replica up and reporting role master at the newest epoch above our config.
 */
export function orphanToAdopt(master: MasterState): Address | null {
  let best: InstanceLink | null = null;
  for (const link of master.replicas.values()) {
    if (link.sdown || link.info?.role !== "master" || link.node_epoch <= master.config_epoch) continue;
    if (best === null || link.node_epoch > best.node_epoch) best = link;
  }
  return best === null ? null : best.address;
}

/**
 * Longest a failover run can hold a fence at its epoch without committing: fence and catch-up,
 * wait-promotion and commit are each bounded by failover-timeout (a promotion that went through
 * shows up as a second master, handled sooner by the conflict rule).
 */
export function stuckFenceMs(master: MasterState): number {
  return 3 * master.settings.failover_timeout_ms;
}

/** The primary is fenced at an epoch newer than our config and nobody has lifted it for long. */
function fenceStuck(state: AgentState, master: MasterState): boolean {
  const link = master.link;
  return (
    link.fenced &&
    link.node_epoch > master.config_epoch &&
    master.unfence === null &&
    link.fenced_since_ms !== null &&
    state.now_ms - link.fenced_since_ms > stuckFenceMs(master)
  );
}

/**
 * A node we leased at an epoch newer than our config (lease.ts promoteSupersedes) no longer asks,
 * and no failover we voted for may still commit it: our primary stays unleased until a newer
 * epoch is committed, so reassert it at one (its promote lifts the fence at that epoch).
 */
function promotionOrphaned(state: AgentState, master: MasterState): boolean {
  return promoteSupersedes(master) && !failoverPending(state, master) && !promoteGrantHolds(state, master);
}

/**
 * The first record of a master: while the KV holds none (revision 0), a sane primary seen with a
 * majority is recorded at the current config epoch with create-only semantics (expected revision
 * 0), so one agent wins and the others adopt. Followers (vip-managers, data-nodes, the API) then
 * have a baseline before the first failover. Retried slowly until a record is observed.
 */
function bootstrapCommit(out: Out, master: MasterState): void {
  const state = out.state;
  if (master.topology_revision !== 0 || state.tilt || !seesMajority(state, master)) return;
  const retry_ms = 10 * state.timing.hello_period_ms;
  if (master.bootstrap_commit_ms !== null && state.now_ms - master.bootstrap_commit_ms < retry_ms) return;
  master.bootstrap_commit_ms = state.now_ms;
  const commit_id = nextId(state);
  state.commits.set(commit_id, { master: master.name, epoch: master.config_epoch, sent_ms: state.now_ms });
  out.push({
    type: "commit_topology",
    commit_id,
    record: {
      master_name: master.name,
      config_epoch: master.config_epoch,
      primary: master.address,
      replicas: [...master.replicas.values()].map((link) => link.address),
      leader: state.myid,
    },
    expected_revision: 0,
  });
}

export function reconcile(out: Out, master: MasterState): void {
  const state = out.state;
  if (master.failover === null) repeatAbortUnfence(out, master);
  if (master.failover !== null || !masterLooksSane(state, master)) {
    master.conflict_start_after_ms = null;
    return;
  }
  unfenceIfSafe(out, master);
  bootstrapCommit(out, master);
  const convert_wait_ms = 2 * state.timing.info_period_fast_ms;
  let conflict = false;
  if (fenceStuck(state, master)) {
    observeEpoch(out, master.link.node_epoch); // the reassert's epoch must exceed the fence's
    conflict = true;
  }
  if (promotionOrphaned(state, master)) {
    observeEpoch(out, master.promote_grant?.epoch ?? 0); // the reassert outranks that promotion
    conflict = true;
  }
  for (const link of master.replicas.values()) {
    const info = link.info;
    if (info === null || link.sdown) continue;
    if (info.role === "master") {
      if (link.refused_epoch || link.node_epoch > master.config_epoch) {
        observeEpoch(out, link.node_epoch); // the reassert's (or adopt's) epoch must exceed it
        conflict = true;
        continue;
      }
      if (state.now_ms - link.role_reported_ms < convert_wait_ms) continue;
      if (!fixAllowed(state, link, convert_wait_ms)) continue;
      link.last_fix_ms = state.now_ms;
      sendReplicaof(out, master, link, master.config_epoch, "fix");
      out.event("+convert-to-slave", master, slaveSubject(master, link.address));
      continue;
    }
    const wrong = info.master_host !== master.address.host || info.master_port !== master.address.port;
    if (!wrong) continue;
    const wait_ms = master.settings.failover_timeout_ms;
    if (state.now_ms - link.slave_conf_change_ms < wait_ms || !fixAllowed(state, link, wait_ms)) continue;
    link.last_fix_ms = state.now_ms;
    sendReplicaof(out, master, link, master.config_epoch, "fix");
    out.event("+fix-slave-config", master, slaveSubject(master, link.address));
  }
  if (!conflict) {
    master.conflict_start_after_ms = null;
  } else if (master.conflict_start_after_ms === null) {
    // Several agents see the conflict at once: spread their candidacies.
    const base = master.settings.election_timeout_ms;
    master.conflict_start_after_ms = state.now_ms + convert_wait_ms + randomBetween(out.random, 0, base);
  }
}
