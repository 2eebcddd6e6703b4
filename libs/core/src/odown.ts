// Down opinions and ODOWN. Sentinel asks its peers every second (is-master-down-by-addr); we push
// instead: an agent broadcasts `down_opinion` at once when its SDOWN view of a master changes and
// re-sends it every second while down. Each agent keeps every peer's latest opinion with its
// receive time; ODOWN = itself SDOWN and (itself + peers whose `down` opinion about the same
// address is younger than opinion_max_age_ms) >= quorum.
import { sameAddress } from "./state.js";
import type { AgentState, MasterState, PeerAgent } from "./state.js";
import { masterSubject } from "./out.js";
import type { Out } from "./out.js";
import type { DownOpinionMessage } from "./types.js";

/** Re-send period of a `down` opinion. */
export function opinionResendMs(state: AgentState): number {
  return Math.min(1000, Math.max(1, Math.floor(state.timing.opinion_max_age_ms / 2)));
}

export function sendOpinion(out: Out, master: MasterState): void {
  const state = out.state;
  master.last_opinion_ms = state.now_ms;
  out.send("all", {
    type: "down_opinion",
    from: state.myid,
    current_epoch: state.current_epoch,
    master_name: master.name,
    master_address: master.address,
    down: master.link.sdown,
  });
}

/** Periodic re-send while down. */
export function resendOpinionIfDue(out: Out, master: MasterState): void {
  if (!master.link.sdown) return;
  if (out.state.now_ms - master.last_opinion_ms >= opinionResendMs(out.state)) sendOpinion(out, master);
}

/** Stores a peer's opinion (only from known agents); returns the master to re-evaluate. */
export function onDownOpinion(out: Out, message: DownOpinionMessage): MasterState | null {
  const state = out.state;
  if (message.from === state.myid) return null;
  const master = state.masters.get(message.master_name);
  if (master === undefined) return null;
  const peer = master.agents.get(message.from);
  if (peer === undefined) return null;
  peer.opinion = { down: message.down, address: message.master_address, received_ms: state.now_ms };
  return master;
}

/** Agents (self included) that currently see the master down. */
export function downVotes(state: AgentState, master: MasterState): number {
  if (!master.link.sdown) return 0;
  let votes = 1;
  for (const peer of master.agents.values()) if (seesDown(state, master, peer)) votes += 1;
  return votes;
}

/** A peer's fresh `down` opinion about the current primary (not about an older one). */
function seesDown(state: AgentState, master: MasterState, peer: PeerAgent): boolean {
  const opinion = peer.opinion;
  if (opinion === null || !opinion.down) return false;
  if (!sameAddress(opinion.address, master.address)) return false;
  return state.now_ms - opinion.received_ms < state.timing.opinion_max_age_ms;
}

/** A peer heard from within three hello periods. */
export function isPeerAlive(state: AgentState, peer: PeerAgent): boolean {
  const heard_ms = peer.last_hello_ms;
  return heard_ms !== null && state.now_ms - heard_ms <= 3 * state.timing.hello_period_ms;
}

/**
 * How long this agent waits after ODOWN before standing for election: one slot (a fifth of the
 * election timeout, 50 ms by default: several message delays) per peer with a smaller id that is
 * alive or sees the master down. Opinions are pushed, so the agents reach ODOWN within
 * milliseconds of each other, in an order that depends on which opinion arrives first; ranking
 * by id among every live peer (not only those whose opinion has arrived) keeps the order the same
 * on every agent: the first-ranked one stands at once and each next one gives it a slot to
 * receive its vote request first. A random wait (Raft's answer to split votes) would cost half
 * its window on average. A split vote, still possible when the agents disagree about who is
 * alive, ends in the randomised retry of election.ts.
 */
export function failoverStartDelayMs(state: AgentState, master: MasterState): number {
  let rank = 0;
  for (const peer of master.agents.values()) {
    if (peer.id < state.myid && (isPeerAlive(state, peer) || seesDown(state, master, peer))) rank += 1;
  }
  const slot_ms = Math.max(1, Math.floor(master.settings.election_timeout_ms / 5));
  return rank * slot_ms;
}

/** ODOWN transitions (`+odown ... #quorum n/q`, `-odown`). */
export function refreshOdown(out: Out, master: MasterState): void {
  const votes = downVotes(out.state, master);
  const odown = master.link.sdown && votes >= master.settings.quorum;
  if (odown === master.odown) return;
  master.odown = odown;
  if (odown) {
    master.odown_since_ms = out.state.now_ms;
    master.odown_start_after_ms = out.state.now_ms + failoverStartDelayMs(out.state, master);
    out.event("+odown", master, masterSubject(master), [votes, master.settings.quorum]);
  } else {
    out.event("-odown", master, masterSubject(master));
  }
}
