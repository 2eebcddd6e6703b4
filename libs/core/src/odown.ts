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

/**
 * How long this agent waits after ODOWN before standing for election: its rank among the agents
 * that see the master down (itself and the peers with a fresh `down` opinion, ordered by id)
 * times a slot of a fifth of the election timeout (50 ms by default: several message delays, so
 * that the first-ranked agent's vote request arrives within it even on a loaded host). Opinions are pushed, so the agents reach ODOWN
 * within milliseconds of each other; a random wait (Raft's answer to split votes) would cost
 * half its window on average, while the ranked one lets the first-ranked agent start at once and
 * gives each next one a slot to receive its vote request first. A split vote, possible when the
 * agents disagree on who sees the master down, still ends in the randomised retry of election.ts.
 */
export function failoverStartDelayMs(state: AgentState, master: MasterState): number {
  let rank = 0;
  for (const peer of master.agents.values()) {
    if (peer.id < state.myid && seesDown(state, master, peer)) rank += 1;
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
