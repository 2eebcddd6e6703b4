// The mutable builder a parse fills line by line, and its conversion to the immutable model.
import type { Address } from "@sentinel-plane/core";
import type {
  UserLine,
  KnownSentinel,
  LogLevel,
  MasterConfig,
  PromoteLeaseGranted,
  RenamedCommand,
  SentinelConfig,
} from "./model.js";
import type { TlsSettings } from "./tls-model.js";
import {
  ELECTION_TIMEOUT_MS_DEFAULT,
  MASTER_SETTINGS_DEFAULT,
  PRE_PROMOTE_TIMEOUT_MS_DEFAULT,
  SENTINEL_CONFIG_DEFAULT,
} from "./model.js";

export interface MasterDraft {
  name: string;
  address: Address;
  quorum: number;
  down_after_ms: number;
  failover_timeout_ms: number;
  parallel_syncs: number;
  master_reboot_down_after_period_ms: number;
  election_timeout_ms: number;
  /** 0: off (the default, Sentinel's behaviour); libs/core promotion-limit.ts. */
  max_promotion_lag_bytes: number;
  max_promotion_lag_ms: number;
  failover_block_period_ms: number;
  /** null: the core's default (FORGET_AFTER_MS_DEFAULT). */
  forget_after_ms: number | null;
  auth_user: string | null;
  auth_pass: string | null;
  notification_script: string | null;
  client_reconfig_script: string | null;
  pre_promote_script: string | null;
  pre_promote_timeout_ms: number;
  renamed_commands: RenamedCommand[];
  config_epoch: number;
  leader_epoch: number;
  promote_lease_granted: PromoteLeaseGranted | null;
  known_replicas: Address[];
  known_sentinels: KnownSentinel[];
}

export interface ConfigDraft {
  myid: string | null;
  current_epoch: number;
  announce_ip: string | null;
  announce_port: number | null;
  resolve_hostnames: boolean;
  announce_hostnames: boolean;
  deny_scripts_reconfig: boolean;
  sentinel_user: string | null;
  sentinel_pass: string | null;
  masters: Map<string, MasterDraft>;
  /** Masters whose `monitor` line was refused: their other lines are not reported again. */
  refused_masters: Set<string>;
  server: {
    port: number;
    bind: string[] | null;
    requirepass: string | null;
    users: UserLine[] | null;
    maxclients: number;
    protected_mode: boolean;
    dir: string | null;
    logfile: string | null;
    loglevel: LogLevel;
  };
  plane: {
    nats_servers: string[];
    nats_user: string | null;
    nats_pass: string | null;
    nats_token: string | null;
    cluster_id: string;
    rest_port: number;
    rest_token: string | null;
    rest_rate_limit: number;
    unauthenticated_timeout_s: number;
    state_dir: string | null;
    topology_replicas: number | null;
  };
  tls: { -readonly [K in keyof TlsSettings]: TlsSettings[K] };
}

export function newDraft(): ConfigDraft {
  const d = SENTINEL_CONFIG_DEFAULT;
  return {
    myid: d.myid,
    current_epoch: d.current_epoch,
    announce_ip: d.announce_ip,
    announce_port: d.announce_port,
    resolve_hostnames: d.resolve_hostnames,
    announce_hostnames: d.announce_hostnames,
    deny_scripts_reconfig: d.deny_scripts_reconfig,
    sentinel_user: d.sentinel_user,
    sentinel_pass: d.sentinel_pass,
    masters: new Map(),
    refused_masters: new Set(),
    server: { ...d.server, bind: null, users: null },
    plane: { ...d.plane, nats_servers: [...d.plane.nats_servers] },
    tls: { ...d.tls },
  };
}

export function newMasterDraft(name: string, address: Address, quorum: number): MasterDraft {
  const s = MASTER_SETTINGS_DEFAULT;
  return {
    name,
    address,
    quorum,
    down_after_ms: s.down_after_ms,
    failover_timeout_ms: s.failover_timeout_ms,
    parallel_syncs: s.parallel_syncs,
    master_reboot_down_after_period_ms: s.master_reboot_down_after_period_ms,
    election_timeout_ms: ELECTION_TIMEOUT_MS_DEFAULT,
    max_promotion_lag_bytes: 0,
    max_promotion_lag_ms: 0,
    failover_block_period_ms: s.failover_block_period_ms,
    forget_after_ms: null,
    auth_user: null,
    auth_pass: null,
    notification_script: null,
    client_reconfig_script: null,
    pre_promote_script: null,
    pre_promote_timeout_ms: PRE_PROMOTE_TIMEOUT_MS_DEFAULT,
    renamed_commands: [],
    config_epoch: 0,
    leader_epoch: 0,
    promote_lease_granted: null,
    known_replicas: [],
    known_sentinels: [],
  };
}

export function finishDraft(draft: ConfigDraft): SentinelConfig {
  const masters = [...draft.masters.values()].map(finishMaster);
  // As Sentinel: a config epoch seen in the file raises the current epoch to at least that.
  const current_epoch = masters.reduce((max, m) => Math.max(max, m.config_epoch), draft.current_epoch);
  return {
    myid: draft.myid,
    current_epoch,
    announce_ip: draft.announce_ip,
    announce_port: draft.announce_port,
    resolve_hostnames: draft.resolve_hostnames,
    announce_hostnames: draft.announce_hostnames,
    deny_scripts_reconfig: draft.deny_scripts_reconfig,
    sentinel_user: draft.sentinel_user,
    sentinel_pass: draft.sentinel_pass,
    masters,
    server: {
      ...draft.server,
      bind: draft.server.bind === null ? null : [...draft.server.bind],
      users: draft.server.users === null ? null : [...draft.server.users],
    },
    plane: { ...draft.plane, nats_servers: [...draft.plane.nats_servers] },
    tls: { ...draft.tls },
  };
}

function finishMaster(m: MasterDraft): MasterConfig {
  return {
    name: m.name,
    address: m.address,
    settings: {
      quorum: m.quorum,
      down_after_ms: m.down_after_ms,
      failover_timeout_ms: m.failover_timeout_ms,
      parallel_syncs: m.parallel_syncs,
      master_reboot_down_after_period_ms: m.master_reboot_down_after_period_ms,
      election_timeout_ms: m.election_timeout_ms,
      // Left out when off, so that settings without them read as before (and older peers accept them).
      ...(m.max_promotion_lag_bytes > 0 ? { max_promotion_lag_bytes: m.max_promotion_lag_bytes } : {}),
      ...(m.max_promotion_lag_ms > 0 ? { max_promotion_lag_ms: m.max_promotion_lag_ms } : {}),
      failover_block_period_ms: m.failover_block_period_ms,
      ...(m.forget_after_ms === null ? {} : { forget_after_ms: m.forget_after_ms }),
    },
    auth_user: m.auth_user,
    auth_pass: m.auth_pass,
    notification_script: m.notification_script,
    client_reconfig_script: m.client_reconfig_script,
    pre_promote_script: m.pre_promote_script,
    pre_promote_timeout_ms: m.pre_promote_timeout_ms,
    renamed_commands: [...m.renamed_commands],
    config_epoch: m.config_epoch,
    leader_epoch: m.leader_epoch,
    promote_lease_granted: m.promote_lease_granted,
    known_replicas: [...m.known_replicas],
    known_sentinels: [...m.known_sentinels],
  };
}
