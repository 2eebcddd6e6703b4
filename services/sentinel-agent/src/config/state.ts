// Between the file model and the core: the core starts from the configured masters and the
// persisted state; the agent writes the core's persisted state back into the file (as Sentinel
// keeps myid, epochs, known replicas and sentinels in sentinel.conf).
import type {
  Address,
  MasterSettings,
  PersistedMaster,
  PersistedState,
  PrePromoteHook,
} from "@sentinel-plane/core";
import type { MasterConfig, SentinelConfig } from "./model.js";
import { PRE_PROMOTE_TIMEOUT_MS_DEFAULT } from "./model.js";

/** What the core's AgentConfig.masters needs (the pre-promote hook only from the file). */
export function configuredMasters(config: SentinelConfig): {
  readonly name: string;
  readonly address: Address;
  readonly settings: MasterSettings;
  readonly pre_promote?: PrePromoteHook;
}[] {
  return config.masters.map((m) => ({
    name: m.name,
    address: m.address,
    settings: m.settings,
    ...(m.pre_promote_script === null
      ? {}
      : { pre_promote: { script: m.pre_promote_script, timeout_ms: m.pre_promote_timeout_ms } }),
  }));
}

/** The file's state lines as the core's PersistedState. Needs a myid (see ensureMyid). */
export function toPersistedState(config: SentinelConfig): PersistedState {
  const myid = config.myid;
  if (myid === null) throw new Error("toPersistedState: config has no myid; call ensureMyid first");
  return {
    myid,
    current_epoch: config.current_epoch,
    masters: config.masters.map((m): PersistedMaster => ({
      name: m.name,
      address: m.address,
      settings: m.settings,
      config_epoch: m.config_epoch,
      // sentinel.conf keeps only leader-epoch, not whom the vote went to (nor does Sentinel).
      leader: null,
      leader_epoch: m.leader_epoch,
      ...(m.promote_lease_granted === null ? {} : { promote_grant: m.promote_lease_granted }),
      replicas: m.known_replicas,
      agents: m.known_sentinels,
    })),
  };
}

/**
 * The config updated with the core's state: masters added, removed, moved (after a failover the
 * `monitor` line names the new primary), with their epochs and known instances. What only the file
 * knows (auth, scripts, renamed commands) is kept for masters that remain.
 */
export function applyPersistedState(config: SentinelConfig, state: PersistedState): SentinelConfig {
  const before = new Map(config.masters.map((m) => [m.name, m]));
  const masters = state.masters.map((p): MasterConfig => {
    const old = before.get(p.name);
    return {
      name: p.name,
      address: p.address,
      settings: p.settings,
      auth_user: old?.auth_user ?? null,
      auth_pass: old?.auth_pass ?? null,
      notification_script: old?.notification_script ?? null,
      client_reconfig_script: old?.client_reconfig_script ?? null,
      pre_promote_script: old?.pre_promote_script ?? null,
      pre_promote_timeout_ms: old?.pre_promote_timeout_ms ?? PRE_PROMOTE_TIMEOUT_MS_DEFAULT,
      renamed_commands: old?.renamed_commands ?? [],
      config_epoch: p.config_epoch,
      leader_epoch: p.leader_epoch,
      promote_lease_granted: p.promote_grant ?? null,
      known_replicas: p.replicas,
      known_sentinels: p.agents,
    };
  });
  return { ...config, myid: state.myid, current_epoch: state.current_epoch, masters };
}
