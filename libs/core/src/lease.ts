// The write lease, agent side (docs/adr/0001-write-lease.md): the grant rule, and the leader's
// bound on when the old primary's lease has certainly run out.
//
// A primary's data-node keeps its server writable only while a majority of agents granted its
// latest lease request. An agent grants only while it names the requester primary at its config
// epoch, has voted for no newer failover that may still run, and heard a PING reply from it within
// lease_grant_window_ms. Every granting vote tells the leader when its voter last granted
// (lease_grant_age_ms); any two majorities share an agent, so no lease can have been granted after
// the latest of those moments, and the old primary's lease ends lease_ms later on its clock.
import { masterSubject } from "./out.js";
import type { Out } from "./out.js";
import { sameAddress } from "./state.js";
import type { AgentState, FailoverRun, MasterState } from "./state.js";
import type { LeaseGrant, LeaseRequest, MasterSettings } from "./types.js";

/** The data-node's clock may run this much slower than the leader's (ADR: 10 %). */
export const LEASE_CLOCK_RATE_MARGIN = 0.1;
/** Added to the leader's wait for message and scheduling latency (ADR: 20 ms). */
export const LEASE_MARGIN_MS = 20;
/** Longest default lease (ADR). */
export const LEASE_MS_DEFAULT_MAX = 2000;

/** A master's lease length: min(2000, floor(0.4 x down_after_ms)), at least 1 ms. */
export function leaseMs(settings: MasterSettings): number {
  return Math.max(1, Math.min(LEASE_MS_DEFAULT_MAX, Math.floor(0.4 * settings.down_after_ms)));
}

/** The oldest PING reply an agent still vouches for: down_after_ms / 2. */
export function leaseGrantWindowMs(settings: MasterSettings): number {
  return Math.floor(settings.down_after_ms / 2);
}

/** Why a lease is refused: stable tokens (the grant's `reason`, logs, tests). */
export type LeaseRefusal =
  "unknown-master" | "not-primary" | "epoch-ahead" | "failover-pending" | "no-recent-ping" | "tilt";

/** The grant rule (ADR "An agent grants"); null when the lease is granted. */
export function leaseRefusal(
  state: AgentState,
  master: MasterState,
  request: LeaseRequest,
): LeaseRefusal | null {
  if (state.tilt) return "tilt";
  if (!sameAddress(request.address, master.address)) return "not-primary";
  if (request.epoch > master.config_epoch) return "epoch-ahead";
  if (failoverPending(state, master)) return "failover-pending";
  const pong = master.link.last_pong_ms;
  if (pong === null || state.now_ms - pong > leaseGrantWindowMs(master.settings)) return "no-recent-ping";
  return null;
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
  if (master !== null && refusal === null) master.last_grant_ms = state.now_ms;
  const grant: LeaseGrant = {
    type: "lease_grant",
    from: state.myid,
    node_id: request.node_id,
    master_name: request.master_name,
    seq: request.seq,
    granted: refusal === null,
    config_epoch: master?.config_epoch ?? 0,
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
