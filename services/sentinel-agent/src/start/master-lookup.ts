// Which master an address or an event belongs to, for the ports that act per master: probe
// credentials, renamed commands, scripts, the links to keep.
import { masterNames, replicaViews, sameAddress } from "@sentinel-plane/core";
import type { Address, AgentState } from "@sentinel-plane/core";
import type { LocalMasterOptions } from "../local-master-options.js";
import type { RedisAuth } from "../redis-prober.js";

export function scriptOf(
  local: LocalMasterOptions,
  master_name: string | null,
  kind: "notification" | "reconfig",
): string | null {
  if (master_name === null) return null;
  const options = local.get(master_name);
  const script = kind === "notification" ? options.notification_script : options.client_reconfig_script;
  return script === null ? null : local.scriptPath(script);
}

/** The master's primary and replicas, as probed now. */
export function instanceAddresses(state: AgentState, name: string): Address[] {
  const live = state.masters.get(name);
  if (live === undefined) return [];
  return [live.address, live.link.address, ...replicaViews(state, name).map((r) => r.address)];
}

/** Every address the agent probes (primaries and replicas), to close links no longer needed. */
export function monitoredAddresses(state: AgentState): Address[] {
  return masterNames(state).flatMap((name) => instanceAddresses(state, name));
}

/**
 * The master whose primary or replicas include `target` (the first in monitoring order, as
 * instanceAddresses lists them), if any. Every probe asks this twice (credentials, renamed
 * commands), so it allocates next to nothing (no entry pairs, an iterator only for a master with
 * replicas): built from instanceAddresses, it made arrays for every master on every probe, 20 MB/s
 * of garbage at 200 primaries (README, "Agent memory").
 */
function masterOfAddress(state: AgentState, target: Address): string | null {
  for (const master of state.masters.values()) {
    if (sameAddress(master.address, target) || sameAddress(master.link.address, target)) return master.name;
    if (master.replicas.size === 0) continue;
    for (const replica of master.replicas.values())
      if (sameAddress(replica.address, target)) return master.name;
  }
  return null;
}

/** Sentinel's rename-command: the name `target`'s master knows `command` by. */
export function commandNameForAddress(
  local: LocalMasterOptions,
  state: AgentState,
  target: Address,
  command: string,
): string {
  const name = masterOfAddress(state, target);
  return name === null ? command : local.commandName(name, command);
}

/** Credentials of the master an address belongs to (primary or one of its replicas). */
export function authForAddress(local: LocalMasterOptions, state: AgentState, target: Address): RedisAuth {
  const name = masterOfAddress(state, target);
  if (name === null) return {};
  const { auth_user, auth_pass } = local.get(name);
  return {
    ...(auth_user === null ? {} : { username: auth_user }),
    ...(auth_pass === null ? {} : { password: auth_pass }),
  };
}

/** The peers' announced Sentinel ports, each once (a peer watches several masters). */
export function peerSentinelAddresses(state: AgentState): Address[] {
  const seen = new Map<string, Address>();
  for (const master of state.masters.values()) {
    for (const peer of master.agents.values())
      seen.set(`${peer.announce.host}:${peer.announce.port}`, peer.announce);
  }
  return [...seen.values()];
}
