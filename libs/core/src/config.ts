// Config epochs and hello gossip (sentinel.c: sentinelSendHello, sentinelProcessHelloMessage,
// sentinelResetMasterAndChangeAddress). A master's configuration is (primary address, config
// epoch); a higher config epoch always wins, whether it arrives in a peer's hello or from the
// committed topology record. Hellos also discover agents (`+sentinel`) and spread the current
// epoch.
import { configEpochLearned } from "./lease.js";
import { addReplica } from "./detection.js";
import { addressKey, newLink, sameAddress } from "./state.js";
import type { AgentState, MasterState, PeerAgent } from "./state.js";
import { sentinelSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import type { Address, HelloMessage, TopologyRecord } from "./types.js";

export function sendHello(out: Out, master: MasterState): void {
  const state = out.state;
  master.last_hello_ms = state.now_ms;
  out.send("all", {
    type: "hello",
    from: state.myid,
    announce: state.announce,
    current_epoch: state.current_epoch,
    master_name: master.name,
    master_address: master.address,
    config_epoch: master.config_epoch,
  });
}

/**
 * A leader's (or candidate's) hello period while its failover runs: a quarter of the hello period,
 * so that its voters can tell a stalled leader within one hello period (leaderSilenceMs) instead
 * of three. A SIGSTOPped agent keeps its NATS connection: only its silence shows it.
 */
export function leaderHelloPeriodMs(state: AgentState): number {
  return Math.max(1, Math.floor(state.timing.hello_period_ms / 4));
}

/**
 * How long a voter waits for the next hello of the leader it voted for (failover.ts
 * maybeStartFailover): one hello period, four of its leader hello periods. A leader stalled longer
 * (a persist on a loaded host takes ~450 ms) may see a newer failover start: safe (epochs and
 * promote-leases), only slower.
 */
export function leaderSilenceMs(state: AgentState): number {
  return state.timing.hello_period_ms;
}

export function sendHelloIfDue(out: Out, master: MasterState): void {
  const state = out.state;
  const period_ms = master.failover === null ? state.timing.hello_period_ms : leaderHelloPeriodMs(state);
  if (state.now_ms - master.last_hello_ms >= period_ms) sendHello(out, master);
}

/** Raises the current epoch (`+new-epoch`), e.g. from a peer's message. */
export function observeEpoch(out: Out, epoch: number): void {
  const state = out.state;
  if (!Number.isSafeInteger(epoch) || epoch <= state.current_epoch) return;
  state.current_epoch = epoch;
  out.markDirty();
  out.event("+new-epoch", null, null, [epoch], epoch);
}

export function onHello(out: Out, hello: HelloMessage): MasterState | null {
  const state = out.state;
  if (hello.from === state.myid) return null;
  const master = state.masters.get(hello.master_name);
  if (master === undefined) return null;
  const peer = learnAgent(out, master, hello.from, hello.announce);
  peer.last_hello_ms = state.now_ms;
  observeEpoch(out, hello.current_epoch);
  adoptConfig(out, master, hello.master_address, hello.config_epoch, peer);
  return master;
}

/** Adds or refreshes an agent; an old id at the same address is dropped (`-dup-sentinel`). */
function learnAgent(out: Out, master: MasterState, id: string, announce: Address): PeerAgent {
  const known = master.agents.get(id);
  if (known !== undefined) {
    if (!sameAddress(known.announce, announce)) {
      known.announce = announce;
      out.markDirty();
    }
    return known;
  }
  for (const other of [...master.agents.values()]) {
    if (!sameAddress(other.announce, announce)) continue;
    out.event("-dup-sentinel", master, sentinelSubject(master, other.id, other.announce), [
      announce.host,
      announce.port,
      id,
    ]);
    master.agents.delete(other.id);
  }
  const peer: PeerAgent = {
    id,
    announce,
    last_hello_ms: null,
    known_since_ms: out.state.now_ms,
    opinion: null,
  };
  master.agents.set(id, peer);
  out.markDirty();
  out.event("+sentinel", master, sentinelSubject(master, id, announce));
  return peer;
}

/**
 * Adopts (address, config_epoch) when newer than ours. `+config-update-from` (when learnt from a
 * peer) and `+switch-master` only when the address changes, as Sentinel; any failover of ours is
 * dropped, since it was planned against the older configuration. Returns true when adopted.
 */
export function adoptConfig(
  out: Out,
  master: MasterState,
  address: Address,
  config_epoch: number,
  from: PeerAgent | null,
): boolean {
  if (!Number.isSafeInteger(config_epoch) || config_epoch <= master.config_epoch) return false;
  master.config_epoch = config_epoch;
  configEpochLearned(master, out.state.now_ms);
  master.failover = null;
  out.markDirty();
  if (!sameAddress(address, master.address)) {
    if (from !== null)
      out.event("+config-update-from", master, sentinelSubject(master, from.id, from.announce));
    const old = master.address;
    switchMaster(out, master, address);
    out.push({
      type: "client_reconfig",
      master_name: master.name,
      role: "observer",
      state: "start",
      from: old,
      to: address,
    });
  }
  sendHello(out, master);
  return true;
}

/**
 * `+switch-master`: the replica at `address` becomes the primary, the old primary a replica, and
 * `+slave` is logged for every replica of the new configuration (as Sentinel's log shows). Links
 * keep their probe history (SDOWN is re-evaluated from it); per-failover flags are reset. The new
 * primary's down clocks restart (sentinel.c sentinelResetMaster sets act_ping_time and
 * role_reported_time to now): an agent whose last PING to that replica, or whose last INFO role
 * of it, is old would otherwise call the primary a majority just chose down at once.
 */
export function switchMaster(out: Out, master: MasterState, address: Address): void {
  const old = master.address;
  out.event("+switch-master", master, null, [master.name, old.host, old.port, address.host, address.port]);
  const old_link = master.link;
  const key = addressKey(address);
  const promoted = master.replicas.get(key) ?? newLink(address, out.state.now_ms);
  master.replicas.delete(key);
  master.address = address;
  master.link = promoted;
  master.odown = false;
  if (promoted.unanswered_since_ms !== null) promoted.unanswered_since_ms = out.state.now_ms;
  promoted.role_reported_ms = out.state.now_ms;
  master.replicas.set(addressKey(old), old_link);
  for (const link of [promoted, ...master.replicas.values()]) {
    link.sdown = false;
    link.reboot_since_ms = null;
    link.reconf = "none";
    link.last_fix_ms = null;
    link.refused_epoch = false;
  }
  out.markDirty();
  for (const link of master.replicas.values())
    out.event("+slave", master, slaveSubject(master, link.address));
}

/** The committed record, read from the KV (watch, or the winner of a lost compare-and-set). */
export function onTopologyObserved(out: Out, record: TopologyRecord, revision: number): MasterState | null {
  const master = out.state.masters.get(record.master_name);
  if (master === undefined) return null;
  if (revision > master.topology_revision) master.topology_revision = revision;
  if (record.config_epoch > master.config_epoch) {
    adoptConfig(out, master, record.primary, record.config_epoch, null);
  }
  if (record.config_epoch === master.config_epoch && sameAddress(record.primary, master.address)) {
    for (const replica of record.replicas) addReplica(out, master, replica);
  }
  return master;
}
