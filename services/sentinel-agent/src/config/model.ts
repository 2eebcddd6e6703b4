// The agent's configuration as read from a Redis `sentinel.conf` (plus `sentinel-plane ...`
// lines). Field names follow the directives, units last. Values are immutable; changes produce a
// new object (see state.ts), and render.ts writes a model back into the user's file.
import { FAILOVER_BLOCK_PERIOD_MS_DEFAULT } from "@sentinel-plane/core";
import type { Address, AgentId, MasterSettings } from "@sentinel-plane/core";
import type { TlsSettings } from "./tls-model.js";
import { TLS_SETTINGS_DEFAULT } from "./tls-model.js";

/** Sentinel's `rename-command <master> <command> <renamed>`: how to call a renamed command. */
export interface RenamedCommand {
  readonly command: string;
  readonly renamed_to: string;
}

export interface KnownSentinel {
  readonly id: AgentId;
  readonly announce: Address;
}

export interface MasterConfig {
  readonly name: string;
  readonly address: Address;
  readonly settings: MasterSettings;
  readonly auth_user: string | null;
  readonly auth_pass: string | null;
  readonly notification_script: string | null;
  readonly client_reconfig_script: string | null;
  /**
   * `sentinel-plane pre-promote-script`: run by the leading agent before it promotes a replica; a
   * failure aborts that failover. File only: never persisted, propagated or set at run time.
   */
  readonly pre_promote_script: string | null;
  /** `sentinel-plane pre-promote-timeout`: the script is killed after this long. */
  readonly pre_promote_timeout_ms: number;
  readonly renamed_commands: readonly RenamedCommand[];
  readonly config_epoch: number;
  readonly leader_epoch: number;
  /**
   * `sentinel promote-lease-granted <master> <epoch> <ip> <port>` (ours, a state line like
   * leader-epoch): the latest promote-lease this agent granted at an epoch newer than the config
   * epoch, kept across restarts (ADR 0001, core persist.ts). Null: none.
   */
  readonly promote_lease_granted: PromoteLeaseGranted | null;
  /** `sentinel known-replica` (or the older `known-slave`), in file order. */
  readonly known_replicas: readonly Address[];
  readonly known_sentinels: readonly KnownSentinel[];
}

export interface PromoteLeaseGranted {
  readonly epoch: number;
  readonly address: Address;
}

export type LogLevel = "debug" | "verbose" | "notice" | "warning" | "nothing";

/** One `user <name> <acl rules...>` line (the Sentinel port's ACL users, resp/acl/). */
export interface UserLine {
  readonly name: string;
  readonly rules: readonly string[];
}

/** Plain Redis directives that mean something for the agent's own RESP port. */
export interface ServerSettings {
  readonly port: number;
  /** Listen addresses; null = Redis' default (all interfaces). */
  readonly bind: readonly string[] | null;
  /** Password clients must give to AUTH on the agent's RESP port; null = none. */
  readonly requirepass: string | null;
  /** The `user` lines, in file order; null: none in the file and none set by ACL since. */
  readonly users: readonly UserLine[] | null;
  /** Connections accepted at once (Redis's maxclients). */
  readonly maxclients: number;
  readonly protected_mode: boolean;
  readonly dir: string | null;
  /** null or "" = standard output. */
  readonly logfile: string | null;
  readonly loglevel: LogLevel;
}

/** Our own settings: `sentinel-plane <key> ...` lines, overridable by SP_* variables (env.ts). */
export interface PlaneSettings {
  readonly nats_servers: readonly string[];
  readonly nats_user: string | null;
  readonly nats_pass: string | null;
  readonly nats_token: string | null;
  /** Namespaces NATS subjects and the KV bucket; agents of one cluster share it. */
  readonly cluster_id: string;
  readonly rest_port: number;
  /** Bearer token required by REST calls that change something; null = changes refused. */
  readonly rest_token: string | null;
  /** REST requests per second per client address (429 beyond); 0 = no limit. */
  readonly rest_rate_limit: number;
  /** A Sentinel-port connection that has not authenticated within this many seconds is closed; 0 = never. */
  readonly unauthenticated_timeout_s: number;
  /** Where the runtime keeps its state; null = the runtime's choice (beside the config file). */
  readonly state_dir: string | null;
  /** Replicas of the topology bucket; null = 3 on a NATS cluster of 3 or more, else 1. */
  readonly topology_replicas: number | null;
}

export interface SentinelConfig {
  /** null until ensureMyid() gives one (Sentinel generates it at first start, too). */
  readonly myid: AgentId | null;
  readonly current_epoch: number;
  readonly announce_ip: string | null;
  readonly announce_port: number | null;
  readonly resolve_hostnames: boolean;
  readonly announce_hostnames: boolean;
  readonly deny_scripts_reconfig: boolean;
  /** Credentials this agent uses towards other Sentinels (`sentinel sentinel-user/-pass`). */
  readonly sentinel_user: string | null;
  readonly sentinel_pass: string | null;
  /** In the order of their `sentinel monitor` lines. */
  readonly masters: readonly MasterConfig[];
  readonly server: ServerSettings;
  readonly plane: PlaneSettings;
  /** `tls-*` directives and sentinel-plane's TLS settings (tls-model.ts). */
  readonly tls: TlsSettings;
}

// ---------------------------------------------------------------------------------------------
// Defaults (Redis 7.0 sentinel.c / config.c, and ours)

export const SENTINEL_PORT_DEFAULT = 26379;

/**
 * Base of the randomised election timeout (a split vote is retried after [base, 2*base)).
 * 250 ms: a vote round trip is a NATS request/reply plus an fsync of the vote before the reply
 * (well under 25 ms on a LAN with ordinary disks), so 250 ms leaves a 10x margin and spurious
 * aborts stay rare, as with Raft's 150-300 ms; yet a split vote costs at most 500 ms where
 * Sentinel waits 2 x failover-timeout (360 s by default).
 */
export const ELECTION_TIMEOUT_MS_DEFAULT = 250;

/**
 * How long a pre-promote script may run before it is killed and the failover aborted. 10 s (as
 * Patroni's default loop): long enough to power a host off through IPMI, short beside Sentinel's
 * 180 s failover-timeout.
 */
export const PRE_PROMOTE_TIMEOUT_MS_DEFAULT = 10_000;

export const MASTER_SETTINGS_DEFAULT: MasterSettings = {
  quorum: 1, // not a default in Redis: `sentinel monitor` always gives it; here for completeness
  down_after_ms: 30_000,
  failover_timeout_ms: 180_000,
  parallel_syncs: 1,
  master_reboot_down_after_period_ms: 0,
  election_timeout_ms: ELECTION_TIMEOUT_MS_DEFAULT,
  failover_block_period_ms: FAILOVER_BLOCK_PERIOD_MS_DEFAULT,
};

export const SERVER_SETTINGS_DEFAULT: ServerSettings = {
  port: SENTINEL_PORT_DEFAULT,
  bind: null,
  requirepass: null,
  users: null,
  maxclients: 10_000, // Redis's default
  protected_mode: false, // Sentinel turns protected mode off by default
  dir: null,
  logfile: null,
  loglevel: "notice",
};

export const PLANE_SETTINGS_DEFAULT: PlaneSettings = {
  nats_servers: ["nats://127.0.0.1:4222"],
  nats_user: null,
  nats_pass: null,
  nats_token: null,
  cluster_id: "default",
  rest_port: 8080,
  rest_token: null,
  rest_rate_limit: 200,
  unauthenticated_timeout_s: 10,
  state_dir: null,
  topology_replicas: null,
};

export const SENTINEL_CONFIG_DEFAULT: SentinelConfig = {
  myid: null,
  current_epoch: 0,
  announce_ip: null,
  announce_port: null,
  resolve_hostnames: false,
  announce_hostnames: false,
  deny_scripts_reconfig: true,
  sentinel_user: null,
  sentinel_pass: null,
  masters: [],
  server: SERVER_SETTINGS_DEFAULT,
  plane: PLANE_SETTINGS_DEFAULT,
  tls: TLS_SETTINGS_DEFAULT,
};
