// Bringing instances back in line with the configuration when no failover runs (sentinel.c:
// sentinelRefreshInstanceInfo's "+convert-to-slave" and "+fix-slave-config"). Only while the
// primary looks sane, so that a failover in progress elsewhere is not undone. Every command carries
// our config epoch: a data-node that already accepted a newer epoch refuses it.
//
// Beyond Sentinel: a replica that reports role master with an epoch newer than our configuration
// was promoted by a leader that never committed. Demoting it needs an epoch at least that new, so
// the agent runs a "reassert" failover (failover.ts): elected at a new epoch, it re-commits the
// current primary and points every replica, that one included, at it.
import { randomBetween } from "./random.js";
import { sendNodeCommand, sendReplicaof } from "./failover.js";
import type { InstanceLink, MasterState } from "./state.js";
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
  const wait_ms = state.timing.info_period_fast_ms;
  if (!fixAllowed(state, link, wait_ms)) return;
  link.last_fix_ms = state.now_ms;
  sendNodeCommand(out, master, link.address, master.config_epoch, { type: "unfence" }, "fix");
  out.event("+unfence-master", master, masterSubject(master), [master.config_epoch]);
}

export function reconcile(out: Out, master: MasterState): void {
  const state = out.state;
  if (master.failover !== null || !masterLooksSane(state, master)) {
    master.conflict_start_after_ms = null;
    return;
  }
  unfenceIfSafe(out, master);
  const convert_wait_ms = 2 * state.timing.info_period_fast_ms;
  let conflict = false;
  for (const link of master.replicas.values()) {
    const info = link.info;
    if (info === null || link.sdown) continue;
    if (info.role === "master") {
      if (link.refused_epoch || link.node_epoch > master.config_epoch) {
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
