// The write lease, agent side (docs/adr/0001-write-lease.md): the grant rule, and the leader's
// bounds on when leases it must not overlap have certainly run out.
//
// A primary's data-node keeps its server writable only while a majority of agents granted its
// latest lease request. An agent grants only while it names the requester primary at its config
// epoch, has voted for no newer failover that may still run, and heard a PING reply from it within
// lease_grant_window_ms. Every granting vote tells the leader when its voter last granted
// (lease_grant_age_ms); any two majorities share an agent, so no lease can have been granted after
// the latest of those moments, and the old primary's lease ends lease_ms later on its clock.
//
// Promote-leases. A node promoted at epoch E (newer than the agents' config epoch: the commit has
// not reached them) is writable only under a lease of E granted by a majority, like a primary;
// the leader's command alone is not enough. Without that rule two concurrent failovers (`npm run
// sim -- --seed 644 --verbose` before it: leaders of E and E+1 elected 200 ms apart, a voter that
// missed E voting for E+1) each promoted a replica, and the one promoted at E held the lease its
// leader's command gave it after the other was promoted at E+1. An agent grants a lease at epoch
// E > its config epoch only to the node a promote command of E made master (the request says so:
// one leader per epoch, one promotion per failover run; an old primary fenced at E holds E too
// and gets none) and only while it has voted for no epoch newer than E; it remembers its latest
// such grant and reports its age in every vote reply (promote_grant_age_ms). A leader of E' > E
// was elected by a majority that shares an agent with any majority that granted the node of E a
// lease: that agent granted before its vote (reported, so the leader waits until that lease has
// certainly run out before it promotes anyone, whatever else its gate saw) or refused after it (no
// majority). Grants' times are not persisted (the latest grant's node and epoch are: persist.ts):
// they go only to epochs the agent heard of (current epoch), and a restart counts as a grant, to
// the persisted node, or with a current epoch newer than the config epoch to an unknown node. In a failover with one leader no voter granted such a lease (none was promoted), so the
// wait costs nothing there; it only binds after a concurrent failover.
// Conversely, while a promote-lease it granted to another node may hold, an agent refuses its
// config epoch's primary a lease: the older primary stays fenced while the node promoted at E
// (not yet committed) takes writes.
//
// Failsafe (data-node lease-channel.ts). A data-node that cannot reach the bus sends the same
// request to the agents' REST port; the shell hands it in as the same `lease_request` input and
// answers with this rule's `lease_grant`: one rule, whichever way the request came. The grant is
// the same promise: last_grant_ms (and promote_grant) record it, and every vote reply reports its
// age, so a newer leader waits it out. An agent that cannot reach the bus itself may still grant:
// its promise is about its own future votes and it cannot vote without the bus (vote requests and
// replies travel on it; so do its own election and its commands), and once the bus is back its
// first vote reply carries the grant's age. What it cannot know without the bus (a failover the
// others ran meanwhile, the peers it never heard of) it does not promise: a majority that ran a
// failover voted on the bus, shares an agent with any majority that grants, and that agent refuses
// (newer-vote, failover-pending, not-primary) or reported its grant; and the data-node counts the
// majority over the most agents it ever heard of, not over the agents_known of whoever answers
// (write-lease.ts agents_floor).
import { masterSubject } from "./out.js";
import type { Out } from "./out.js";
import { sameAddress } from "./state.js";
import type { AgentState, FailoverRun, MasterState } from "./state.js";
import type { Address, LeaseGrant, LeaseRequest, MasterSettings } from "./types.js";

/** The data-node's clock may run this much slower than the leader's (ADR: 10 %). */
export const LEASE_CLOCK_RATE_MARGIN = 0.1;
/** Added to the leader's wait for message and scheduling latency (ADR: 20 ms). */
export const LEASE_MARGIN_MS = 20;
/** Longest default lease (ADR). */
export const LEASE_MS_DEFAULT_MAX = 2000;

/** A master's lease length: min(2000, floor(0.4 x down_after_ms)), at least 1 ms. */
export function leaseMs(settings: Pick<MasterSettings, "down_after_ms">): number {
  return Math.max(1, Math.min(LEASE_MS_DEFAULT_MAX, Math.floor(0.4 * settings.down_after_ms)));
}

/** The oldest PING reply an agent still vouches for: down_after_ms / 2. */
export function leaseGrantWindowMs(settings: Pick<MasterSettings, "down_after_ms">): number {
  return Math.floor(settings.down_after_ms / 2);
}

/** Why a lease is refused: stable tokens (the grant's `reason`, logs, tests). */
export type LeaseRefusal =
  | "unknown-master"
  | "not-primary"
  | "epoch-ahead"
  | "newer-vote"
  | "failover-pending"
  | "promote-pending"
  | "promote-superseded"
  | "no-recent-ping"
  | "tilt";

/**
 * How long a lease granted at `granted_ms` (our clock) may hold on the data-node's clock: the
 * lease, the clock-rate margin and the latency margin (the leader's wait, ADR 0001).
 */
export function leaseHoldMs(settings: MasterSettings): number {
  return leaseMs(settings) * (1 + LEASE_CLOCK_RATE_MARGIN) + LEASE_MARGIN_MS;
}

/** A request at an epoch newer than our config epoch, from the node promoted at that epoch. */
export function isPromoteRequest(master: MasterState, request: LeaseRequest): boolean {
  return request.promoted === true && request.epoch > master.config_epoch;
}

/** The grant rule (ADR "An agent grants"); null when the lease is granted. */
export function leaseRefusal(
  state: AgentState,
  master: MasterState,
  request: LeaseRequest,
): LeaseRefusal | null {
  if (state.tilt) return "tilt";
  if (isPromoteRequest(master, request)) {
    // A promote-lease: at an epoch we heard of (a restart counts such grants as one while the
    // current epoch is ahead of the config: agent.ts), and no vote of ours for a newer epoch,
    // which a newer leader may be using.
    if (request.epoch > state.current_epoch) return "epoch-ahead";
    return master.leader_epoch > request.epoch ? "newer-vote" : null;
  }
  if (!sameAddress(request.address, master.address)) return "not-primary";
  // Ahead of us but not promoted there (an old primary fenced at a newer epoch, say): it knows
  // of a failover we do not, and no majority may have vouched for it.
  if (request.epoch > master.config_epoch) return "epoch-ahead";
  if (failoverPending(state, master)) return "failover-pending";
  if (promoteGrantHolds(state, master)) return "promote-pending";
  if (promoteSupersedes(master)) return "promote-superseded";
  const pong = master.link.last_pong_ms;
  if (pong === null || state.now_ms - pong > leaseGrantWindowMs(master.settings)) return "no-recent-ping";
  return null;
}

/**
 * When we granted our latest promote-lease that may still hold: at an epoch newer than the config
 * epoch (once a newer config is committed, its leader waited that lease out), not to `excluded`
 * (the old primary of a failover: its gate covers it), at most leaseHoldMs ago. Null: none.
 */
function pendingPromoteGrant(state: AgentState, master: MasterState, excluded: Address): number | null {
  const grant = master.promote_grant;
  if (grant === null || grant.epoch <= master.config_epoch) return null;
  if (grant.address !== null && sameAddress(grant.address, excluded)) return null;
  if (state.now_ms - grant.granted_ms >= leaseHoldMs(master.settings)) return null;
  return grant.granted_ms;
}

/** A promote-lease we granted another node may hold: our primary gets none meanwhile. */
export function promoteGrantHolds(state: AgentState, master: MasterState): boolean {
  return pendingPromoteGrant(state, master, master.address) !== null;
}

/**
 * We granted a promote-lease to another node at an epoch newer than our config epoch: that node
 * may have acknowledged writes our config's primary never saw, and its epoch was never committed
 * here. Our primary gets no lease (nor a lifted fence) at the older epoch however long ago that
 * was; only a newer commit (a reassert, reconcile.ts, or the late commit of that failover) clears
 * it. Without it, once that lease had run out and the vote window had passed, the agents leased
 * the epoch-1 primary again after a node promoted at 2 had taken writes (`npm run sim -- --seed
 * 1756 --verbose`, with the data-node's start probe modelled). A restart's assumed grant (to an
 * unknown node) binds only for its hold time: the restart may have granted nothing.
 */
export function promoteSupersedes(master: MasterState): boolean {
  const grant = master.promote_grant;
  if (grant === null || grant.address === null || grant.epoch <= master.config_epoch) return false;
  return !sameAddress(grant.address, master.address);
}

/** What a vote reply carries: how long ago we last granted a promote-lease (lease.ts header). */
export function promoteGrantAgeMs(
  state: AgentState,
  master: MasterState,
  old_primary: Address,
): number | null {
  const granted_ms = pendingPromoteGrant(state, master, old_primary);
  return granted_ms === null ? null : Math.max(0, Math.floor(state.now_ms - granted_ms));
}

/**
 * We stand in, or voted for, a failover newer than the config epoch that may still promote:
 * our own while it runs, and any vote for 2 x failover_timeout (Sentinel's re-vote delay). The
 * vote is not known to be over earlier: no abort message reaches voters.
 */
export function failoverPending(state: AgentState, master: MasterState): boolean {
  const run = master.failover;
  if (run !== null && run.epoch > master.config_epoch) return true;
  if (master.leader_epoch <= master.config_epoch) return false;
  return state.now_ms - master.vote_ms < 2 * master.settings.failover_timeout_ms;
}

/** Answers a data-node's lease request with one `lease_grant` effect; records a grant. */
export function onLeaseRequest(out: Out, request: LeaseRequest): MasterState | null {
  const state = out.state;
  const master = state.masters.get(request.master_name) ?? null;
  const refusal = master === null ? "unknown-master" : leaseRefusal(state, master, request);
  const promote = master !== null && isPromoteRequest(master, request);
  if (master !== null && refusal === null) {
    if (sameAddress(request.address, master.address)) master.last_grant_ms = state.now_ms;
    if (promote) {
      const before = master.promote_grant;
      master.promote_grant = { address: request.address, epoch: request.epoch, granted_ms: state.now_ms };
      // A new node or epoch is durable before the grant leaves (persist.ts): a restart must not
      // forget it (promoteSupersedes). Renewals change only the time, which is not persisted.
      const same =
        before !== null &&
        before.epoch === request.epoch &&
        before.address !== null &&
        sameAddress(before.address, request.address);
      if (!same) out.markDirty();
    }
  }
  const config_epoch = master?.config_epoch ?? 0;
  const grant: LeaseGrant = {
    type: "lease_grant",
    from: state.myid,
    node_id: request.node_id,
    master_name: request.master_name,
    seq: request.seq,
    granted: refusal === null,
    config_epoch,
    epoch: promote ? request.epoch : config_epoch,
    lease_ms: master === null ? 1 : leaseMs(master.settings),
    agents_known: master === null ? 1 : master.agents.size + 1,
    ...(refusal === null ? {} : { reason: refusal }),
  };
  out.push({ type: "lease_grant", grant });
  return null; // a grant changes no detection, election or failover state
}

/** The latest moment this agent may have vouched for the primary (grant or epoch learned). */
function lastVouchedMs(master: MasterState): number {
  return Math.max(master.last_grant_ms ?? Number.NEGATIVE_INFINITY, master.config_epoch_learned_ms);
}

/** What a vote reply carries: how long ago we last vouched for the master's primary. */
export function leaseGrantAgeMs(state: AgentState, master: MasterState): number {
  return Math.max(0, state.now_ms - lastVouchedMs(master));
}

/** The voter's last grant on our clock (a missing age, from an older peer: granted just now). */
export function recordVoterGrant(
  run: FailoverRun,
  from: string,
  now_ms: number,
  age_ms?: number | null,
): void {
  if (age_ms === null) return;
  run.lease_grants.set(from, now_ms - (age_ms ?? 0));
}

/** A granting voter's last promote-lease on our clock (none reported: nothing to wait for). */
export function recordVoterPromoteGrant(
  run: FailoverRun,
  from: string,
  now_ms: number,
  age_ms?: number | null,
): void {
  if (age_ms === null || age_ms === undefined) return;
  run.promote_grants.set(from, now_ms - age_ms);
}

/** The config epoch changed: it counts as a grant (the new primary's promote-lease began before). */
export function configEpochLearned(master: MasterState, now_ms: number): void {
  master.config_epoch_learned_ms = now_ms;
}

/**
 * On election: lease_expired_by_ms = max(g_i) + lease_ms x (1 + margin) + LEASE_MARGIN_MS over the
 * granting voters, ourselves included (we stopped granting when we stood).
 */
export function armLeaseDeadline(state: AgentState, master: MasterState, run: FailoverRun): void {
  run.lease_grants.set(state.myid, lastVouchedMs(master));
  let latest = Number.NEGATIVE_INFINITY;
  for (const [id, granted_ms] of run.lease_grants) {
    if (run.votes.has(id)) latest = Math.max(latest, granted_ms);
  }
  const lease = leaseMs(master.settings);
  run.lease_expired_by_ms = latest + lease * (1 + LEASE_CLOCK_RATE_MARGIN) + LEASE_MARGIN_MS;
  armPromoteLeaseWait(state, master, run);
}

/**
 * On election: promote_leases_expired_by_ms = max(p_i) + lease_ms x (1 + margin) + LEASE_MARGIN_MS
 * over the granting voters that reported a promote-lease (ourselves included: we granted none
 * since we stood), null when none did. No node is promoted before it (failover.ts), whatever the
 * gate saw: such a lease went to a node the gate does not fence (lease.ts header).
 */
export function armPromoteLeaseWait(state: AgentState, master: MasterState, run: FailoverRun): void {
  const own = pendingPromoteGrant(state, master, run.old_primary);
  if (own === null) run.promote_grants.delete(state.myid);
  else run.promote_grants.set(state.myid, own);
  let latest: number | null = null;
  for (const [id, granted_ms] of run.promote_grants) {
    if (run.votes.has(id)) latest = Math.max(latest ?? granted_ms, granted_ms);
  }
  run.promote_leases_expired_by_ms = latest === null ? null : latest + leaseHoldMs(master.settings);
}

/** How the gate before the promotion was passed (`+old-primary-fenced #<how>`). */
export type OldPrimaryFenced = "ack" | "exited" | "lease-expired";

export function emitOldPrimaryFenced(
  out: Out,
  master: MasterState,
  run: FailoverRun,
  how: OldPrimaryFenced,
): void {
  out.event("+old-primary-fenced", master, masterSubject(master), [how, run.epoch]);
}
