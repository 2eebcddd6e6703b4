// The contract of the pure core: what goes in (Input), what comes out (Effect), what is
// remembered across restarts (PersistedState). The shells (sentinel-agent, the simulator) feed
// inputs and carry out effects; nothing here performs I/O or reads a clock.
//
// Effects are ordered and the order is part of the contract (etcd/raft's Ready): a `persist`
// effect must be durable before any `send` that follows it in the same batch is sent.

import type { ErrorCode } from "@sentinel-plane/protocol";

/** A Redis endpoint as operators write it (`10.91.4.20 6888`). */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** An agent's id: 40 lowercase hex characters, as Sentinel's `myid`. */
export type AgentId = string;

// ---------------------------------------------------------------------------------------------
// Settings

/** Per-master settings, named after sentinel.conf's directives (units last). */
export interface MasterSettings {
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  readonly parallel_syncs: number;
  /** 0 disables it (Sentinel's default). */
  readonly master_reboot_down_after_period_ms: number;
  /**
   * Base of the randomised election timeout: a candidate that is not elected within
   * [base, 2*base) aborts and may retry after another randomised delay in that range.
   * Sentinel instead waits 2 x failover_timeout. Must exceed a vote round trip.
   */
  readonly election_timeout_ms: number;
  /**
   * Promotion limits (promotion-limit.ts; Patroni's maximum_lag_on_failover): a failover does not
   * promote a replica more than this many bytes / milliseconds behind the old primary's last known
   * offset. Absent or 0: off (Sentinel's behaviour). Optional so that peers, state files and
   * configurations written before them stay valid.
   */
  readonly max_promotion_lag_bytes?: number;
  readonly max_promotion_lag_ms?: number;
  /**
   * Anti-flapping (maintenance.ts): after an automatic failover, no new automatic failover of the
   * master for this long unless an operator acknowledges it; 0 disables it.
   */
  readonly failover_block_period_ms: number;
  /**
   * Replicas and agents not heard from for this long are forgotten (`-slave`, `-sentinel`;
   * forget.ts); 0: never. Absent: FORGET_AFTER_MS_DEFAULT (one hour).
   */
  readonly forget_after_ms?: number;
}

/**
 * A pre-promotion fence hook (Patroni's `pre_promote`): run by the leading agent after it selected
 * the replica and before it promotes it; a failure or a timeout aborts that failover. Kept apart
 * from MasterSettings on purpose: settings are persisted, propagated to peers (MONITOR) and
 * changed at run time (SENTINEL SET, REST), while a script path comes from the configuration file
 * only (Sentinel's deny-scripts-reconfig), on this agent only.
 */
export interface PrePromoteHook {
  /** Absolute path of the executable (checked by the shell when it loads the file). */
  readonly script: string;
  /** The shell kills the script after this long; the core gives up a margin later. */
  readonly timeout_ms: number;
}

/** The timings an operator or a test harness may change at run time (SENTINEL DEBUG). */
export type TimingOverride = Partial<
  Pick<AgentTiming, "info_period_ms" | "tilt_trigger_ms" | "tilt_period_ms">
>;

/** Agent-wide timing constants. Every one is bounded and explicit. */
export interface AgentTiming {
  /**
   * Shortest PING period. The period of a master's instances is a tenth of its down-after within
   * [ping_period_ms, 1000], and never above down-after (Sentinel: min(1000, down-after)).
   */
  readonly ping_period_ms: number;
  /** INFO period outside a failover (Sentinel: 10000). */
  readonly info_period_ms: number;
  /** INFO period while a failover is in progress or the master is down (Sentinel: 1000). */
  readonly info_period_fast_ms: number;
  /** Hello (config gossip) period (Sentinel: 2000). */
  readonly hello_period_ms: number;
  /** Age after which a peer's down opinion no longer counts towards ODOWN (Sentinel: 5000). */
  readonly opinion_max_age_ms: number;
  /** A gap between two ticks larger than this (or negative) enters TILT (Sentinel: 2000). */
  readonly tilt_trigger_ms: number;
  /** TILT lasts this long after the last clock anomaly (Sentinel: 30000). */
  readonly tilt_period_ms: number;
  /** Timeout given to each probe effect. */
  readonly probe_timeout_ms: number;
}

// ---------------------------------------------------------------------------------------------
// What Redis and the data-nodes tell us

/** A replica as listed in a primary's `INFO replication` (`slave0:ip=..,port=..,...`). */
export interface InfoReplicaEntry {
  readonly host: string;
  readonly port: number;
  readonly state: string; // "online", "wait_bgsave", "send_bulk"...
  readonly offset: number;
  readonly lag_s: number;
}

/** The parts of INFO the core uses (parsed by `parseInfo`). */
export interface RedisInfo {
  readonly run_id: string;
  readonly role: "master" | "slave";
  readonly master_repl_offset: number;
  readonly replicas: readonly InfoReplicaEntry[];
  /** Replica-only fields; absent on a master. */
  readonly master_host?: string;
  readonly master_port?: number;
  readonly master_link_status?: "up" | "down";
  /** Seconds since the link went down; -1 when up (Redis reports -1 when never down). */
  readonly master_link_down_since_s?: number;
  readonly slave_repl_offset?: number;
  readonly slave_read_repl_offset?: number;
  readonly slave_read_only?: boolean;
  readonly master_sync_in_progress?: boolean;
  readonly replica_priority: number;
  readonly replica_announced: boolean;
  readonly uptime_s: number;
  readonly replid: string;
  readonly replid2: string;
  readonly second_repl_offset: number;
  readonly redis_version: string;
}

export type PingReply = "PONG" | "LOADING" | "MASTERDOWN";

export type ProbeResult =
  | { readonly kind: "ping"; readonly ok: true; readonly reply: PingReply }
  | { readonly kind: "info"; readonly ok: true; readonly info: RedisInfo }
  | { readonly kind: "ping" | "info"; readonly ok: false; readonly error: string };

/** What a data-node says about the process it watches. */
export type ProcessState =
  | { readonly state: "running" }
  | { readonly state: "exited"; readonly code: number | null; readonly signal: string | null }
  | { readonly state: "not_answering" }
  | { readonly state: "unknown" };

export interface NodeReport {
  readonly node_id: string;
  readonly address: Address;
  /** True when the data-node supervises the process and so knows at once when it exits. */
  readonly supervised: boolean;
  readonly process: ProcessState;
  /** Latest INFO the data-node read; absent when the server did not answer. */
  readonly info?: RedisInfo;
  readonly fenced: boolean;
  /** Highest epoch the data-node has accepted a command for. */
  readonly epoch: number;
  /** Strictly increasing per data-node incarnation; older reports are ignored. */
  readonly seq: number;
  /** Came back empty after a restart although it had data: never promoted (selection.ts). */
  readonly data_lost?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Messages between agents (carried over NATS by the agent, over the simulated network in tests)

export interface HelloMessage {
  readonly type: "hello";
  readonly from: AgentId;
  readonly announce: Address;
  readonly current_epoch: number;
  readonly master_name: string;
  /** The primary as this agent knows it, with the config epoch that made it primary. */
  readonly master_address: Address;
  readonly config_epoch: number;
}

/** Pushed on every change of an agent's SDOWN view and re-sent every second while down. */
export interface DownOpinionMessage {
  readonly type: "down_opinion";
  readonly from: AgentId;
  readonly current_epoch: number;
  readonly master_name: string;
  readonly master_address: Address;
  readonly down: boolean;
}

export interface VoteRequestMessage {
  readonly type: "vote_request";
  readonly from: AgentId;
  readonly master_name: string;
  readonly master_address: Address;
  readonly epoch: number;
  /** A manual failover asks for votes even though the master is not ODOWN. */
  readonly manual: boolean;
}

export interface VoteReplyMessage {
  readonly type: "vote_reply";
  readonly from: AgentId;
  readonly master_name: string;
  /** The epoch the request asked about. */
  readonly epoch: number;
  /** Whom this agent voted for in `leader_epoch` (may be someone else, or nobody). */
  readonly leader: AgentId | null;
  readonly leader_epoch: number;
  /**
   * How long before this reply the voter last granted a write lease for the master, or learned
   * its config epoch (docs/adr/0001-write-lease.md); null: never. Absent (an older peer): the
   * leader counts the reply's arrival as that moment, the cautious reading.
   */
  readonly lease_grant_age_ms?: number | null;
  /**
   * How long before this reply the voter last granted a write lease to a node promoted at an
   * epoch newer than its config epoch (not the request's master address), or (re)started; null:
   * none that may still hold (lease.ts). Absent (an older peer, which grants no such lease): none.
   */
  readonly promote_grant_age_ms?: number | null;
}

/** An admin change made on one agent, applied by the others (monitor/set/remove/reset). */
export interface AdminPropagationMessage {
  readonly type: "admin";
  readonly from: AgentId;
  readonly command: AdminCommand;
}

export type PeerMessage =
  HelloMessage | DownOpinionMessage | VoteRequestMessage | VoteReplyMessage | AdminPropagationMessage;

// ---------------------------------------------------------------------------------------------
// Commands to data-nodes (and, as a fallback, to Redis directly)

export type NodeCommand =
  | { readonly type: "promote" }
  | { readonly type: "replicaof"; readonly host: string; readonly port: number }
  | { readonly type: "fence" }
  /**
   * `replica_only`: lifted only if the server is a replica when the command runs (REMOVE, admin.ts;
   * direct path only: a data-node's schema refuses it, and a data-node owns its fence anyway).
   */
  | { readonly type: "unfence"; readonly replica_only?: true };

export type NodeCommandResult =
  | {
      readonly ok: true;
      readonly role: "master" | "slave";
      readonly offset: number;
      /** The server refuses writes after the command (absent: not said; never taken as a fence). */
      readonly fenced?: boolean;
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The committed topology record (JetStream KV, compare-and-set on revision). */
export interface TopologyRecord {
  readonly master_name: string;
  readonly config_epoch: number;
  readonly primary: Address;
  readonly replicas: readonly Address[];
  /** The agent that committed it. */
  readonly leader: AgentId;
  /** Maintenance mode (maintenance.ts); absent: never paused. Carried by every commit. */
  readonly pause?: OperatorPause;
  /** Wall-clock time (Unix ms) of the last automatic failover's commit (anti-flapping). */
  readonly auto_failover_unix_ms?: number;
  /** The operator's acknowledgement of that failover, which lifts its block. */
  readonly ack?: FailoverAck;
}

/**
 * A pause of automatic failovers, in wall-clock time (Unix ms) because it must mean the same on
 * every agent and after restarts. A resume rewrites it with `until_unix_ms` = the resume time.
 */
export interface OperatorPause {
  readonly since_unix_ms: number;
  readonly until_unix_ms: number;
  /** Who paused: `rest <client>`, `resp <client address>`, `cli <user>@<host>`. */
  readonly by: string;
  /** Who resumed it before its expiry; absent while paused or when it expired. */
  readonly resumed_by?: string;
}

export interface FailoverAck {
  /** The `auto_failover_unix_ms` acknowledged: a later failover is blocked again. */
  readonly failover_unix_ms: number;
  readonly at_unix_ms: number;
  readonly by: string;
}

/** An operator change of a master's record, written by the shell (read, change, compare-and-set). */
export type OperatorChange =
  | { readonly kind: "pause"; readonly pause: OperatorPause }
  | { readonly kind: "ack"; readonly ack: FailoverAck };

// ---------------------------------------------------------------------------------------------
// The write lease (docs/adr/0001-write-lease.md; wire format: libs/protocol schemas/lease.ts)

/** A primary's data-node asks the agents to vouch for it. */
export interface LeaseRequest {
  readonly node_id: string;
  readonly master_name: string;
  /** The node's address as the agents know it. */
  readonly address: Address;
  /** The highest epoch the data-node accepted. */
  readonly epoch: number;
  readonly seq: number;
  /**
   * A promote command of `epoch` made this node master (this data-node process saw it): only then
   * may an agent whose config epoch is older grant it a promote-lease (lease.ts). An old primary
   * fenced at that epoch holds the same epoch but was not promoted at it.
   */
  readonly promoted?: boolean;
}

/** One agent's answer to one lease request. */
export interface LeaseGrant {
  readonly type: "lease_grant";
  readonly from: AgentId;
  readonly node_id: string;
  readonly master_name: string;
  readonly seq: number;
  readonly granted: boolean;
  readonly config_epoch: number;
  /**
   * The epoch this grant vouches for: the config epoch, or the request's newer epoch for a node
   * promoted at that epoch (lease.ts). The data-node lifts its lease fence only on a majority
   * vouching for its accepted epoch.
   */
  readonly epoch: number;
  readonly lease_ms: number;
  /** Agents this agent knows for the master, itself included. */
  readonly agents_known: number;
  /** Why a lease was refused (a stable token, see lease.ts). */
  readonly reason?: string;
}

// ---------------------------------------------------------------------------------------------
// Admin commands (RESP `SENTINEL ...`, REST, or propagated from a peer)

export type AdminCommand =
  | {
      readonly type: "monitor";
      readonly name: string;
      readonly address: Address;
      readonly settings: MasterSettings;
    }
  | { readonly type: "remove"; readonly name: string }
  | { readonly type: "set"; readonly name: string; readonly settings: Partial<MasterSettings> }
  | { readonly type: "reset"; readonly pattern: string }
  /**
   * SENTINEL FAILOVER: no ODOWN needed; still elected, unlike Sentinel, so it is safe. When the
   * primary is reachable it is a coordinated switchover (failover.ts): the old primary is fenced,
   * the chosen replica catches up, nothing acknowledged is lost. `to` picks the replica (it must
   * be a known replica fit for promotion, else a coded error); without it the best one is chosen.
   */
  | {
      readonly type: "failover";
      readonly name: string;
      readonly to?: Address;
      /** Ignore the promotion limits (promotion-limit.ts): promote even a lagging replica. */
      readonly force?: boolean;
    }
  /**
   * Maintenance mode (maintenance.ts): no automatic failover for `duration_ms` (required, bounded
   * by PAUSE_DURATION_MS_MAX). Committed in the topology record, not propagated as a message.
   */
  | { readonly type: "pause"; readonly name: string; readonly duration_ms: number; readonly by: string }
  | { readonly type: "resume"; readonly name: string; readonly by: string }
  /** Lifts the anti-flapping block of the last automatic failover (orchestrator's ack). */
  | { readonly type: "ack_failover"; readonly name: string; readonly by: string };

// ---------------------------------------------------------------------------------------------
// Inputs

export type Input =
  /** Time passes. The shell ticks every 100 ms; larger gaps or going back in time enter TILT. */
  /**
   * `unix_ms`: the wall clock (Date.now()), for the operator's pause expiry and the anti-flapping
   * period, which must mean the same on every agent and across restarts (maintenance.ts).
   */
  | { readonly type: "tick"; readonly now_ms: number; readonly unix_ms?: number }
  | {
      readonly type: "probe_result";
      readonly now_ms: number;
      readonly probe_id: number;
      readonly target: Address;
      readonly result: ProbeResult;
    }
  | { readonly type: "node_report"; readonly now_ms: number; readonly report: NodeReport }
  | { readonly type: "peer_message"; readonly now_ms: number; readonly message: PeerMessage }
  | {
      readonly type: "command_result";
      readonly now_ms: number;
      readonly command_id: number;
      readonly result: NodeCommandResult;
    }
  /** The committed record as read from the KV (watch or after a commit attempt). */
  | {
      readonly type: "topology_observed";
      readonly now_ms: number;
      readonly record: TopologyRecord;
      readonly revision: number;
    }
  | {
      readonly type: "commit_result";
      readonly now_ms: number;
      readonly commit_id: number;
      readonly ok: boolean;
      /** On conflict, the record that won, when it could be read. */
      readonly current?: { readonly record: TopologyRecord; readonly revision: number };
    }
  | {
      readonly type: "admin";
      readonly now_ms: number;
      readonly command: AdminCommand;
      /** Correlates the `admin_reply` effect. */
      readonly request_id: number;
    }
  /** A data-node's write-lease request; answered by one `lease_grant` effect. */
  | { readonly type: "lease_request"; readonly now_ms: number; readonly request: LeaseRequest }
  /** SENTINEL DEBUG's parameters that mean the same here as in Sentinel (timing.ts). */
  | { readonly type: "set_timing"; readonly now_ms: number; readonly timing: TimingOverride }
  /** The outcome of a `run_pre_promote` effect (a stale `hook_id` is ignored). */
  | {
      readonly type: "pre_promote_result";
      readonly now_ms: number;
      readonly hook_id: number;
      /** True only when the script exited 0 within its timeout. */
      readonly ok: boolean;
      /** Short reason, e.g. `exit-1`, `signal-SIGKILL`, `timeout`, `spawn-ENOENT` (bounded by the core). */
      readonly detail: string;
    };

// ---------------------------------------------------------------------------------------------
// Effects

export type Effect =
  /** Make this state durable (atomic write) before carrying out the effects after it. */
  | { readonly type: "persist"; readonly state: PersistedState }
  // AgentId is a plain string; "all" is spelled out because it is the broadcast address.
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents
  | { readonly type: "send"; readonly to: AgentId | "all"; readonly message: PeerMessage }
  | {
      readonly type: "probe";
      readonly probe_id: number;
      readonly target: Address;
      readonly kind: "ping" | "info";
      readonly timeout_ms: number;
    }
  | {
      readonly type: "node_command";
      readonly command_id: number;
      readonly target: Address;
      readonly epoch: number;
      readonly command: NodeCommand;
      readonly timeout_ms: number;
    }
  | {
      readonly type: "commit_topology";
      readonly commit_id: number;
      readonly record: TopologyRecord;
      /** The revision this agent last read; the KV update is compare-and-set on it. */
      readonly expected_revision: number;
    }
  /**
   * Delete the master's committed record (SENTINEL REMOVE): a master monitored again under the
   * same name must start from no record, not adopt the primary and epoch of the removed one.
   * Compare-and-delete on `expected_revision`, so a record written since (a new MONITOR's first
   * commit) is left alone; every agent that removes the master asks, the first one wins. Nothing
   * answers it.
   */
  | { readonly type: "forget_topology"; readonly master_name: string; readonly expected_revision: number }
  | { readonly type: "event"; readonly event: SentinelEvent }
  /**
   * Step me (with a tick) `after_ms` from now: a deadline falls between two periodic ticks (an
   * SDOWN deadline, a failover start). Relative, because core time is not the shell's clock (see
   * clock.ts). Re-emitted on every tick while the deadline is pending, so the shell needs to keep
   * only the earliest one.
   */
  | { readonly type: "wake"; readonly after_ms: number }
  | {
      readonly type: "client_reconfig";
      readonly master_name: string;
      readonly role: "leader" | "observer";
      readonly state: "start";
      readonly from: Address;
      readonly to: Address;
    }
  /**
   * Runs the master's pre-promote script before `to` is promoted (only on the leading agent);
   * argv `<master-name> leader pre-promote <from-ip> <from-port> <to-ip> <to-port>`. Answered by a
   * `pre_promote_result` input with the same hook_id.
   */
  | {
      readonly type: "run_pre_promote";
      readonly hook_id: number;
      readonly master_name: string;
      readonly epoch: number;
      readonly script: string;
      readonly from: Address;
      readonly to: Address;
      readonly timeout_ms: number;
    }
  /** Publish on the requesting data-node's grant subject (nodeLeaseGrantSubject). */
  | { readonly type: "lease_grant"; readonly grant: LeaseGrant }
  /**
   * Write an operator change into the master's committed record (maintenance.ts); the shell
   * answers admin request `request_id` with the outcome (no `admin_reply` effect for it).
   */
  | {
      readonly type: "commit_operator";
      readonly request_id: number;
      readonly master_name: string;
      readonly change: OperatorChange;
    }
  | {
      readonly type: "admin_reply";
      readonly request_id: number;
      readonly ok: boolean;
      /** A refusal's first word in RESP (Sentinel's `ERR`, `INPROG`, `NOGOODSLAVE`, or our code). */
      readonly code?: string;
      /** Sentinel's reply line (RESP), or the success text. */
      readonly message: string;
      /** Set on every refusal (ok false): the registry code and detail REST reports. */
      readonly error?: AdminError;
    };

/** Why an admin command was refused, for REST: a code of libs/protocol's registry and its text. */
export interface AdminError {
  readonly code: ErrorCode;
  /** The refusal without Sentinel's reply prefix (`No such master with that name`). */
  readonly detail: string;
}

/** One operator-visible event: Sentinel's name and payload text, and the master it concerns. */
export interface SentinelEvent {
  readonly name: string; // an EventName from events.ts
  readonly level: "warning" | "notice" | "verbose";
  readonly master_name: string | null;
  /** Sentinel's payload, e.g. `master mymaster 127.0.0.1 6379 #quorum 2/2`. */
  readonly text: string;
  readonly epoch: number;
}

// ---------------------------------------------------------------------------------------------
// Persistence

export interface PersistedMaster {
  readonly name: string;
  readonly address: Address;
  readonly settings: MasterSettings;
  readonly config_epoch: number;
  /** The vote this agent gave for this master (Sentinel keeps it per master). */
  readonly leader: AgentId | null;
  readonly leader_epoch: number;
  /**
   * The latest promote-lease this agent granted, while its epoch is newer than config_epoch
   * (lease.ts promoteSupersedes: it outlives a restart). Absent: none.
   */
  readonly promote_grant?: { readonly epoch: number; readonly address: Address };
  readonly replicas: readonly Address[];
  readonly agents: readonly { readonly id: AgentId; readonly announce: Address }[];
}

export interface PersistedState {
  readonly myid: AgentId;
  readonly current_epoch: number;
  readonly masters: readonly PersistedMaster[];
}
