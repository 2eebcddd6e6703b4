// The REST API's read models, computed from the core's state at request time (as sentinel-view.ts
// does for the Sentinel protocol): masters, replicas with lag, agents with their votes, and the
// health-check answers for load balancers.
import type { AgentState, InstanceLink, MasterState } from "@sentinel-plane/core";
import { addressKey, FAILOVER_STATES, isAnswering, operatorView, sameAddress } from "@sentinel-plane/core";
import type { AgentEntry, Master, Replica } from "./schemas.js";
import type { VoteBook } from "./votes.js";

function age(state: AgentState, at_ms: number | null): number | null {
  if (at_ms === null || !Number.isFinite(at_ms)) return null;
  return Math.max(0, Math.round(state.now_ms - at_ms));
}

export function masterOf(state: AgentState, master: MasterState): Master {
  const flags = ["master"];
  if (master.link.sdown) flags.push("s_down");
  if (master.odown) flags.push("o_down");
  if (!isAnswering(state, master, master.link)) flags.push("disconnected");
  if (master.failover !== null) flags.push("failover_in_progress");
  const run = master.failover;
  return {
    name: master.name,
    address: { host: master.address.host, port: master.address.port },
    config_epoch: master.config_epoch,
    flags,
    quorum: master.settings.quorum,
    settings: { ...master.settings },
    failover:
      run === null
        ? null
        : {
            state: FAILOVER_STATES[run.state].api,
            epoch: run.epoch,
            kind: run.kind,
            target: run.target === null ? null : { host: run.target.host, port: run.target.port },
          },
    num_replicas: master.replicas.size,
    num_agents: master.agents.size + 1,
    operator: operatorView(state, master),
  };
}

/** Lag of a replica from the primary's INFO: its offset and the primary's, from one snapshot. */
export function lagOf(master: MasterState, link: InstanceLink): { bytes: number | null; s: number | null } {
  const info = master.link.info;
  if (info === null || info.role !== "master") return { bytes: null, s: null };
  const entry = info.replicas.find((r) => sameAddress(r, link.address));
  if (entry !== undefined) {
    return { bytes: Math.max(0, info.master_repl_offset - entry.offset), s: Math.max(0, entry.lag_s) };
  }
  const own = link.info?.slave_repl_offset;
  return { bytes: own === undefined ? null : Math.max(0, info.master_repl_offset - own), s: null };
}

export function replicaOf(state: AgentState, master: MasterState, link: InstanceLink): Replica {
  const info = link.info;
  const flags = ["slave"];
  if (link.sdown) flags.push("s_down");
  if (!isAnswering(state, master, link)) flags.push("disconnected");
  const selected = master.failover?.selected ?? null;
  if (selected !== null && sameAddress(selected, link.address)) flags.push("promoted");
  if (link.reconf !== "none") flags.push(`reconf_${link.reconf}`);
  if (link.fenced) flags.push("fenced");
  const lag = lagOf(master, link);
  const status = info?.master_link_status;
  return {
    address: { host: link.address.host, port: link.address.port },
    role: link.role_reported ?? "slave",
    link_status: status === undefined ? "unknown" : status,
    offset: info?.slave_repl_offset ?? 0,
    lag_bytes: lag.bytes,
    lag_s: lag.s,
    priority: info?.replica_priority ?? 100,
    flags,
    run_id: link.run_id,
    info_age_ms: age(state, link.info_ms),
  };
}

export function agentsOf(state: AgentState, master: MasterState, votes: VoteBook): AgentEntry[] {
  const self: AgentEntry = {
    id: state.myid,
    address: { host: state.announce.host, port: state.announce.port },
    self: true,
    last_seen_ms_ago: 0,
    leader: master.leader,
    leader_epoch: master.leader_epoch,
    sees_master_down: master.link.sdown,
  };
  const peers = [...master.agents.values()].map((peer): AgentEntry => {
    const vote = votes.get(peer.id, master.name);
    const opinion = peer.opinion;
    const fresh = opinion !== null && state.now_ms - opinion.received_ms <= state.timing.opinion_max_age_ms;
    return {
      id: peer.id,
      address: { host: peer.announce.host, port: peer.announce.port },
      self: false,
      last_seen_ms_ago: age(state, peer.last_hello_ms),
      leader: vote?.leader ?? null,
      leader_epoch: vote?.epoch ?? null,
      sees_master_down: fresh && opinion.down,
    };
  });
  return [self, ...peers];
}

export type HealthAnswer =
  | { readonly ok: true; readonly master: string; readonly lag_bytes?: number | null }
  | { readonly ok: false; readonly reason: string };

/** `/primary`: the address is the current primary of a master and this agent sees it up. */
export function primaryHealth(state: AgentState, key: string): HealthAnswer {
  for (const master of state.masters.values()) {
    if (addressKey(master.address) !== key) continue;
    if (master.link.sdown) return { ok: false, reason: `the primary of ${master.name} is down` };
    if (master.link.fenced) return { ok: false, reason: `the primary of ${master.name} is fenced` };
    return { ok: true, master: master.name };
  }
  return { ok: false, reason: "not the primary of any monitored master" };
}

/** `/replica`: a known replica, up, streaming from its primary, within the lag bound if given. */
export function replicaHealth(
  state: AgentState,
  key: string,
  max_lag_bytes: number | undefined,
): HealthAnswer {
  for (const master of state.masters.values()) {
    const link = master.replicas.get(key);
    if (link === undefined) continue;
    const view = replicaOf(state, master, link);
    if (link.sdown || !isAnswering(state, master, link))
      return { ok: false, reason: "it is down or not answering" };
    if (view.role !== "slave") return { ok: false, reason: `it reports role ${view.role}` };
    if (view.link_status !== "up") return { ok: false, reason: "its link to the primary is not up" };
    if (max_lag_bytes !== undefined) {
      if (view.lag_bytes === null) return { ok: false, reason: "its lag is not known yet" };
      if (view.lag_bytes > max_lag_bytes) {
        return { ok: false, reason: `lag ${view.lag_bytes} bytes exceeds ${max_lag_bytes}` };
      }
    }
    return { ok: true, master: master.name, lag_bytes: view.lag_bytes };
  }
  return { ok: false, reason: "not a known replica of any monitored master" };
}
