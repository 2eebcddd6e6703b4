// Leader election, Raft-style as Sentinel's (sentinel.c: sentinelStartFailover, sentinelVoteLeader,
// sentinelGetLeader). A candidate raises the current epoch, votes for itself and asks every agent;
// an agent grants at most one vote per epoch and persists it before replying (out.ts places the
// persist effect before the reply). The winner needs max(quorum, majority of known agents) votes.
//
// Unlike Sentinel: a candidate that is not elected within a randomised election timeout in
// [election_timeout, 2*election_timeout) aborts and may retry after another randomised delay in that
// range (Sentinel: 2 x failover_timeout); a voter only grants when it sees the master down itself
// (or the request is manual), so a partitioned candidate cannot drag healthy agents along.
import { observeEpoch } from "./config.js";
import { autoFailoverBlock } from "./maintenance.js";
import { leaseGrantAgeMs, promoteGrantAgeMs, recordVoterGrant, recordVoterPromoteGrant } from "./lease.js";
import { randomBetween } from "./random.js";
import { sameAddress } from "./state.js";
import type { FailoverKind, MasterState } from "./state.js";
import { masterSubject } from "./out.js";
import type { Out } from "./out.js";
import type { Address, VoteReplyMessage, VoteRequestMessage } from "./types.js";

/** A randomised delay in [election_timeout, 2*election_timeout). */
export function electionDelayMs(out: Out, master: MasterState): number {
  const base = master.settings.election_timeout_ms;
  return randomBetween(out.random, base, 2 * base);
}

/** Votes needed: max(quorum, floor(known agents including self / 2) + 1). */
export function votesNeeded(master: MasterState): number {
  const voters = master.agents.size + 1;
  return Math.max(master.settings.quorum, Math.floor(voters / 2) + 1);
}

/** Becomes a candidate for a new epoch: `+new-epoch`, `+try-failover`, own vote, vote requests. */
export function startElection(
  out: Out,
  master: MasterState,
  kind: FailoverKind,
  target: Address | null = null,
  force = false,
): void {
  const state = out.state;
  if (master.failover !== null) throw new Error(`startElection: failover already running on ${master.name}`);
  state.current_epoch += 1;
  const epoch = state.current_epoch;
  master.leader = state.myid;
  master.leader_epoch = epoch;
  master.vote_ms = state.now_ms;
  out.markDirty();
  master.failover = {
    kind,
    epoch,
    state: "wait-start",
    state_since_ms: state.now_ms,
    start_ms: state.now_ms,
    election_deadline_ms: null, // armed at the next step, once the candidacy is durable
    votes: new Set([state.myid]),
    lease_grants: new Map(),
    lease_expired_by_ms: null,
    promote_grants: new Map(),
    promote_leases_expired_by_ms: null,
    old_primary: master.address,
    target,
    force,
    selected: null,
    fence: null,
    pre_promote: null,
    promote_command_id: null,
    promote_confirmed: false,
    commit_id: null,
    last_commit_ms: Number.NEGATIVE_INFINITY,
  };
  master.watch_leader = null;
  master.unfence = null; // a new epoch supersedes an aborted switchover's fence
  out.event("+new-epoch", master, null, [epoch], epoch);
  out.event("+try-failover", master, masterSubject(master), [], epoch);
  out.event("+vote-for-leader", master, null, [state.myid, epoch], epoch);
  out.send("all", {
    type: "vote_request",
    from: state.myid,
    master_name: master.name,
    master_address: master.address,
    epoch,
    manual: kind !== "auto",
  });
}

/**
 * Arms the election timeout of a candidacy started in an earlier step. The shell steps nothing
 * while a persist is in flight, and the vote requests leave only after the candidate's own vote
 * is on disk; so the first step after the candidacy comes after that write. Timed from there, the
 * timeout measures the wait for votes, not our own disk: an fsync slowed to ~450 ms (three agents
 * writing at once on a 2-core host, measured) used to eat a 250-500 ms timeout whole.
 */
export function armElectionDeadlines(out: Out): void {
  for (const master of out.state.masters.values()) {
    const run = master.failover;
    if (run?.state !== "wait-start" || run.election_deadline_ms !== null) continue;
    run.election_deadline_ms = out.state.now_ms + electionDelayMs(out, master);
  }
}

/** Answers a vote request; grants at most one vote per epoch (persisted before the reply). */
export function onVoteRequest(out: Out, request: VoteRequestMessage): MasterState | null {
  const state = out.state;
  if (request.from === state.myid) return null;
  const master = state.masters.get(request.master_name);
  if (master === undefined) return null;
  observeEpoch(out, request.epoch);
  const about_our_primary = sameAddress(request.master_address, master.address);
  const sees_down = master.link.sdown || master.odown;
  // The operator's gate holds on the voter's side too: a candidate that has not yet seen a pause
  // (or its own failover's block) gets no vote for an automatic failover.
  const gate_open = request.manual || autoFailoverBlock(state, master) === null;
  if (
    about_our_primary &&
    (request.manual || sees_down) &&
    gate_open &&
    master.leader_epoch < request.epoch &&
    state.current_epoch <= request.epoch
  ) {
    master.leader = request.from;
    master.leader_epoch = request.epoch;
    master.vote_ms = state.now_ms;
    out.markDirty();
    out.event("+vote-for-leader", master, null, [request.from, request.epoch], request.epoch);
    // Give the candidate time before standing ourselves, and its failover time to progress.
    master.failover_retry_after_ms = Math.max(
      master.failover_retry_after_ms,
      state.now_ms + electionDelayMs(out, master),
    );
    master.watch_leader = {
      id: request.from,
      since_ms: state.now_ms,
      until_ms: state.now_ms + master.settings.failover_timeout_ms,
    };
  }
  const reply: VoteReplyMessage = {
    type: "vote_reply",
    from: state.myid,
    master_name: master.name,
    epoch: request.epoch,
    leader: master.leader,
    leader_epoch: master.leader_epoch,
    lease_grant_age_ms: leaseGrantAgeMs(state, master),
    promote_grant_age_ms: promoteGrantAgeMs(state, master, request.master_address),
  };
  out.send(request.from, reply);
  return master;
}

/** Counts a granted vote for our running candidacy. */
export function onVoteReply(out: Out, reply: VoteReplyMessage): MasterState | null {
  const state = out.state;
  const master = state.masters.get(reply.master_name);
  if (master === undefined) return null;
  observeEpoch(out, reply.leader_epoch);
  const failover = master.failover;
  if (failover === null || failover.state !== "wait-start") return master;
  if (reply.epoch !== failover.epoch || reply.leader_epoch !== failover.epoch) return master;
  if (reply.leader !== state.myid) return master;
  if (!master.agents.has(reply.from)) return master; // only known agents count (as in votesNeeded)
  failover.votes.add(reply.from);
  recordVoterGrant(failover, reply.from, state.now_ms, reply.lease_grant_age_ms);
  recordVoterPromoteGrant(failover, reply.from, state.now_ms, reply.promote_grant_age_ms);
  return master;
}

export function isElected(master: MasterState): boolean {
  const failover = master.failover;
  return failover !== null && failover.votes.size >= votesNeeded(master);
}
