// What the RESP server needs from the agent, in Redis Sentinel's own terms. The server never
// reaches into the agent's state: the agent implements this interface over its core state, and
// tests implement it with a fake. Field names mirror `SENTINEL MASTERS|REPLICAS|SENTINELS` (see
// sentinel.c addReplySentinelRedisInstance); the server turns them into Sentinel's replies (names,
// order, bulk strings of numbers, optional fields) so every client library parses them unchanged.
//
// Conventions
// - Durations named `*_ms` are ages as Sentinel prints them: milliseconds elapsed since the event
//   (`last-ok-ping-reply` = now - last successful reply). The view computes them at call time.
// - Reads are synchronous snapshots; anything that changes state (and so may have to be
//   validated, persisted and propagated first) returns a Promise of an `AdminResult`.
// - Errors are Redis error lines without the leading `-` (a leading `-` is tolerated and
//   stripped): `ERR No such master with that name`, `NOGOODSLAVE No suitable replica to
//   promote`, `INPROG Failover already in progress`, `ERR Duplicate master name.` ...

/** Sentinel's instance flags; the server prints them in Sentinel's fixed order, comma-joined. */
export type InstanceFlag =
  | "s_down"
  | "o_down"
  | "master"
  | "slave"
  | "sentinel"
  | "disconnected"
  | "master_down"
  | "failover_in_progress"
  | "promoted"
  | "reconf_sent"
  | "reconf_inprog"
  | "reconf_done"
  | "force_failover"
  | "script_kill_sent";

/** Sentinel's failover states (`failover-state` field, shown while failover_in_progress). */
export type FailoverStateName =
  | "none"
  | "wait_start"
  | "select_slave"
  | "send_slaveof_noone"
  | "wait_promotion"
  | "reconf_slaves"
  | "update_config";

/** Fields every instance kind has, in reply order. */
export interface InstanceView {
  /** Masters: the configured name; replicas and sentinels: `ip:port` (replicas) or the run id. */
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  /** Empty string when not known yet. */
  readonly runid: string;
  /** The kind flag (`master`, `slave`, `sentinel`) must be present. Order does not matter. */
  readonly flags: readonly InstanceFlag[];
  readonly link_pending_commands: number;
  readonly link_refcount: number;
  /** Age of the outstanding PING; 0 when none is outstanding. */
  readonly last_ping_sent_ms: number;
  readonly last_ok_ping_reply_ms: number;
  readonly last_ping_reply_ms: number;
  /** Printed (as `s-down-time`) only when `flags` has `s_down`; 0 if absent then. */
  readonly s_down_time_ms?: number;
  /** Printed (as `o-down-time`) only when `flags` has `o_down`; 0 if absent then. */
  readonly o_down_time_ms?: number;
  readonly down_after_ms: number;
}

/** `SENTINEL MASTERS` / `SENTINEL MASTER <name>` entry. */
export interface MasterView extends InstanceView {
  /** Printed only when `flags` has `failover_in_progress`; "none" if absent then. */
  readonly failover_state?: FailoverStateName;
  /** Age of the last INFO reply; 0 when never refreshed. */
  readonly info_refresh_ms: number;
  readonly role_reported: "master" | "slave";
  readonly role_reported_time_ms: number;
  readonly config_epoch: number;
  /** Replicas known for this master (announced or not), as Sentinel's dictSize(slaves). */
  readonly num_slaves: number;
  readonly num_other_sentinels: number;
  readonly quorum: number;
  readonly failover_timeout_ms: number;
  readonly parallel_syncs: number;
  /** Printed only when set. */
  readonly notification_script?: string;
  readonly client_reconfig_script?: string;
}

/** `SENTINEL REPLICAS|SLAVES <name>` entry. */
export interface ReplicaView extends InstanceView {
  readonly info_refresh_ms: number;
  readonly role_reported: "master" | "slave";
  readonly role_reported_time_ms: number;
  readonly master_link_down_time_ms: number;
  readonly master_link_status: "ok" | "err";
  /** "?" when unknown. */
  readonly master_host: string;
  readonly master_port: number;
  readonly slave_priority: number;
  readonly slave_repl_offset: number;
  /** Sentinel hides replicas with replica-announced no from the REPLICAS list: so does the server. */
  readonly replica_announced: boolean;
}

/** `SENTINEL SENTINELS <name>` entry: another agent monitoring the same master. */
export interface SentinelPeerView extends InstanceView {
  readonly last_hello_message_ms: number;
  /** "?" when this peer's vote is unknown. */
  readonly voted_leader: string;
  readonly voted_leader_epoch: number;
}

/** INFO `# Sentinel` figures (the masterN lines are derived from `masters()`). */
export interface SentinelStatusView {
  readonly tilt: boolean;
  /** Seconds in TILT (`sentinel_tilt_since_seconds`); ignored (printed -1) when not in TILT. */
  readonly tilt_since_s: number;
  readonly running_scripts: number;
  readonly scripts_queue_length: number;
  /** Bit 1: crash-after-election, bit 2: crash-after-promotion (Sentinel's SIMFAILURE flags). */
  readonly simulate_failure_flags: number;
}

/** One `SENTINEL PENDING-SCRIPTS` entry. */
export interface PendingScriptView {
  readonly argv: readonly string[];
  readonly running: boolean;
  readonly pid: number;
  /** `run-time` when running, `run-delay` (until the next attempt, >= 0) when scheduled. */
  readonly run_time_ms: number;
  readonly run_delay_ms: number;
  readonly retry_num: number;
}

/** `SENTINEL INFO-CACHE`: the last INFO text of a master and of each of its replicas. */
export interface InfoCacheView {
  readonly name: string;
  /** The master first, then its replicas. `info` null when never read. */
  readonly entries: readonly { readonly info_age_ms: number; readonly info: string | null }[];
}

/** `SENTINEL IS-MASTER-DOWN-BY-ADDR` answer: `[down, leader ("*" = no vote), leader_epoch]`. */
export interface IsMasterDownAnswer {
  readonly down: boolean;
  readonly leader: string;
  readonly leader_epoch: number;
}

/** `SENTINEL CKQUORUM` figures: usable agents (self included) and what they can reach. */
export interface QuorumCheck {
  readonly usable: number;
  readonly quorum_reachable: boolean;
  readonly majority_reachable: boolean;
}

/** One `SENTINEL SET` option, already parsed and range-checked as Sentinel does. */
export type MasterSetOption =
  | {
      readonly option:
        | "down-after-milliseconds"
        | "failover-timeout"
        | "parallel-syncs"
        | "quorum"
        | "master-reboot-down-after-period"
        | "max-promotion-lag-bytes"
        | "max-promotion-lag-ms"
        | "failover-block-period"
        | "forget-after";
      readonly value: number;
    }
  | {
      readonly option: "notification-script" | "client-reconfig-script" | "auth-pass" | "auth-user";
      /** Empty string clears the setting, as in Sentinel. */
      readonly value: string;
    }
  | { readonly option: "rename-command"; readonly from: string; readonly to: string };

/**
 * `SENTINEL PAUSE <name|*> <milliseconds>`, `SENTINEL RESUME <name|*>`, `SENTINEL ACK-FAILOVER
 * <name>` (ours; libs/core maintenance.ts). `by` is the client's address; `*` is every master.
 */
export type OperatorRequest =
  | { readonly kind: "pause"; readonly name: string; readonly duration_ms: number; readonly by: string }
  | { readonly kind: "resume"; readonly name: string; readonly by: string }
  | { readonly kind: "ack-failover"; readonly name: string; readonly by: string };

export type SimulatedFailure = "crash-after-election" | "crash-after-promotion";

export type AdminResult = { readonly ok: true } | { readonly ok: false; readonly error: string };

/** An event as published on the pub/sub port: channel = Sentinel's event name. */
export interface SentinelPubSubEvent {
  /** `+switch-master`, `+sdown`, `-odown`, `+try-failover` ... */
  readonly channel: string;
  /** Sentinel's payload, e.g. `mymaster 127.0.0.1 6379 127.0.0.1 6380`. */
  readonly payload: string;
}

export type EventListener = (event: SentinelPubSubEvent) => void;

export interface SentinelView {
  /** This agent's id (40 hex characters), `SENTINEL MYID`. */
  myid(): string;
  /** In a stable order (the order of INFO's masterN lines and ROLE). */
  masters(): readonly MasterView[];
  master(name: string): MasterView | undefined;
  /** undefined: no such master. Replicas with `replica_announced: false` are filtered out. */
  replicas(name: string): readonly ReplicaView[] | undefined;
  sentinels(name: string): readonly SentinelPeerView[] | undefined;
  /** The current primary's address (after a failover: the promoted one); undefined: no such master. */
  masterAddress(name: string): { readonly ip: string; readonly port: number } | undefined;
  ckquorum(name: string): QuorumCheck | undefined;
  status(): SentinelStatusView;
  pendingScripts(): readonly PendingScriptView[];
  /** names null: every master. Unknown names are skipped. */
  infoCache(names: readonly string[] | null): readonly InfoCacheView[];
  /** Global settings in Sentinel's order: resolve-hostnames, announce-hostnames, announce-ip,
   * announce-port, sentinel-user, sentinel-pass. The server filters them by glob pattern. */
  configGet(): readonly (readonly [name: string, value: string])[];

  /** `SENTINEL IS-MASTER-DOWN-BY-ADDR ip port epoch runid` ("*" = not asking for a vote). A vote
   * must be durable before this resolves. */
  isMasterDownByAddr(
    ip: string,
    port: number,
    current_epoch: number,
    runid: string,
  ): Promise<IsMasterDownAnswer>;
  /** The server checked arity and that port and quorum are integers (quorum >= 1). */
  monitor(name: string, ip: string, port: number, quorum: number): Promise<AdminResult>;
  remove(name: string): Promise<AdminResult>;
  /** Options validated by the server; apply all or none. */
  set(name: string, options: readonly MasterSetOption[]): Promise<AdminResult>;
  /** Number of masters matching the glob pattern that were reset. */
  reset(pattern: string): Promise<number>;
  failover(name: string): Promise<AdminResult>;
  /** Maintenance mode and the anti-flapping acknowledgement (ours). */
  operator(request: OperatorRequest): Promise<AdminResult>;
  flushconfig(): Promise<AdminResult>;
  /** `SENTINEL CONFIG SET name value`: the view validates (errors as Sentinel words them). */
  configSet(name: string, value: string): Promise<AdminResult>;
  /** Replaces the set of simulated failures (empty: none). */
  simulateFailure(failures: readonly SimulatedFailure[]): Promise<AdminResult>;

  /** Events to publish on the pub/sub port. Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}
