// The durable part of the agent: myid, the current epoch, and per master its address, settings,
// config epoch, our vote (leader, leader_epoch), known replicas and known agents. Sentinel
// rewrites sentinel.conf with the same facts (CONFIG REWRITE); we hand a snapshot to the shell
// in a `persist` effect (see out.ts for its ordering). Beyond Sentinel: the latest promote-lease
// granted at an epoch newer than the config (ADR 0001), so that a restart does not forget it.
import type { AgentState, MasterState } from "./state.js";
import type { PersistedMaster, PersistedState } from "./types.js";

/** The promote-lease that binds our primary's leases (lease.ts promoteSupersedes), if any. */
function persistedPromoteGrant(m: MasterState): Pick<PersistedMaster, "promote_grant"> {
  const grant = m.promote_grant;
  if (grant === null || grant.address === null || grant.epoch <= m.config_epoch) return {};
  return { promote_grant: { epoch: grant.epoch, address: { ...grant.address } } };
}

export function snapshot(state: AgentState): PersistedState {
  const masters: PersistedMaster[] = [];
  for (const m of state.masters.values()) {
    masters.push({
      name: m.name,
      address: { ...m.address },
      settings: { ...m.settings },
      config_epoch: m.config_epoch,
      leader: m.leader,
      leader_epoch: m.leader_epoch,
      ...persistedPromoteGrant(m),
      replicas: [...m.replicas.values()].map((r) => ({ ...r.address })),
      agents: [...m.agents.values()].map((a) => ({ id: a.id, announce: { ...a.announce } })),
    });
  }
  return { myid: state.myid, current_epoch: state.current_epoch, masters };
}
