// The agent's in-memory state. `step` mutates it in place and returns the same object (etcd/raft
// style): a shell must not keep references into an older state and expect them to stay unchanged.
// Only `PersistedState` (see persist.ts) survives a restart; everything else is rebuilt.
import type {
  Address,
  AgentId,
  AgentTiming,
  FailoverAck,
  MasterSettings,
  NodeCommand,
  OperatorPause,
  PrePromoteHook,
  RedisInfo,
} from "./types.js";

/** What we know about one Redis instance (the primary or a replica) and our probes of it. */
export interface InstanceLink {
  address: Address;
  created_ms: number;
  /** Outstanding PING probe (at most one). */
  ping_probe_id: number | null;
  ping_sent_ms: number;
  /** When the oldest unanswered PING was sent (Sentinel's act_ping_time); null once answered. */
  unanswered_since_ms: number | null;
  /** Last valid PING reply (PONG/LOADING/MASTERDOWN). */
  last_avail_ms: number;
  /**
   * Last valid PING reply to OUR probe (never a data-node report: the node beside the server
   * still reaches the bus when we cannot reach it); null before the first. Lease grants use it.
   */
  last_pong_ms: number | null;
  /** Last reply of any kind, or a data-node report saying the process runs. */
  last_reply_ms: number;
  info_probe_id: number | null;
  info_sent_ms: number;
  /** When the last INFO arrived (Sentinel's info_refresh); null before the first one. */
  info_ms: number | null;
  info: RedisInfo | null;
  role_reported: "master" | "slave" | null;
  role_reported_ms: number;
  /** When the replica's reported master address last changed. */
  slave_conf_change_ms: number;
  run_id: string | null;
  /**
   * A supervising data-node reported the process exited and our own PING sent after that report
   * failed: down at once (detection.ts applyProcessState).
   */
  exited: boolean;
  exited_ms: number;
  /** An `exited` report awaiting our confirming PING, sent at this time; null when none. */
  exit_report_ms: number | null;
  /** Our PING answered after an `exited` report: that exit is ignored until `running` is reported. */
  exit_disproved: boolean;
  report_seq: number;
  /** The epoch the instance's data-node last reported as accepted (-1 when unknown). */
  node_epoch: number;
  sdown: boolean;
  sdown_since_ms: number;
  /** Set by `+reboot` of a master when master_reboot_down_after_period > 0; its next PONG clears it. */
  reboot_since_ms: number | null;
  /** When the replica's link to its master went down (from INFO), null when up. */
  link_down_since_ms: number | null;
  /** Rate limit of convert-to-slave / fix-slave-config commands. */
  last_fix_ms: number | null;
  /** A convert command was refused because the instance holds a newer epoch. */
  refused_epoch: boolean;
  /** The data-node reports the server fenced (writes refused); see reconcile.ts for lifting it. */
  fenced: boolean;
  /** The data-node reports its data lost in a restart: not promotable (selection.ts). */
  data_lost: boolean;
  /** When the reports turned `fenced` (null while not fenced): a stuck fence is detected from it. */
  fenced_since_ms: number | null;
  /** Reconfiguration progress during a failover's reconf-slaves state. */
  reconf: "none" | "sent" | "inprog" | "done";
  reconf_sent_ms: number;
}

export interface PeerAgent {
  readonly id: AgentId;
  announce: Address;
  last_hello_ms: number | null;
  /** When this agent learned of the peer, or restarted: the forget clock runs from here until a hello. */
  readonly known_since_ms: number;
  /** The peer's latest down opinion about this master, with its receive time. */
  opinion: { down: boolean; address: Address; received_ms: number } | null;
}

/**
 * `fence-old-primary` and `wait-catchup` are ours: the coordinated switchover (switchover.ts);
 * `pre-promote` too: the configured pre-promotion fence hook is running (pre-promote.ts).
 */
export type FailoverStateName =
  | "wait-start"
  | "select-slave"
  | "fence-old-primary"
  | "wait-catchup"
  | "pre-promote"
  | "send-slaveof-noone"
  | "wait-promotion"
  | "commit"
  | "reconf-slaves";

/**
 * auto: ODOWN; manual: SENTINEL FAILOVER; reassert: re-commit the current primary; adopt: commit
 * the node an uncommitted failover promoted, fencing the current primary first (see failover.ts).
 */
export type FailoverKind = "auto" | "manual" | "reassert" | "adopt";

/** A lease granted to a node at an epoch newer than the config epoch (lease.ts). */
export interface PromoteGrant {
  /** Null: unknown (the agent started, and may have granted before it stopped). */
  readonly address: Address | null;
  readonly epoch: number;
  readonly granted_ms: number;
}

export interface FailoverRun {
  readonly kind: FailoverKind;
  readonly epoch: number;
  state: FailoverStateName;
  state_since_ms: number;
  readonly start_ms: number;
  /**
   * Randomised in [election_timeout, 2*election_timeout) from the first step after the candidacy
   * (null until then; see armElectionDeadlines).
   */
  election_deadline_ms: number | null;
  /** Agents (self included) that granted us their vote in `epoch`. */
  readonly votes: Set<AgentId>;
  /**
   * Per granting voter, on our clock: when it last granted the old primary a write lease (reply
   * arrival - lease_grant_age_ms); absent when it never did (lease.ts, leaseExpiredByMs).
   */
  readonly lease_grants: Map<AgentId, number>;
  /** When the old primary's write lease has certainly run out; set on election (lease.ts). */
  lease_expired_by_ms: number | null;
  /**
   * Per granting voter, on our clock: when it last granted a lease to a node promoted at an epoch
   * newer than its config epoch, other than the old primary (reply arrival -
   * promote_grant_age_ms); absent when it reported none (lease.ts armPromoteLeaseWait).
   */
  readonly promote_grants: Map<AgentId, number>;
  /**
   * No promotion before this time: a node promoted by an older, concurrent failover may hold a
   * lease until then (lease.ts); null: no voter reported such a grant. Set on election.
   */
  promote_leases_expired_by_ms: number | null;
  readonly old_primary: Address;
  /** Manual failover to a chosen replica (`failover ... to`); null: the best one is selected. */
  readonly target: Address | null;
  /** A manual failover told to ignore the promotion limits (promotion-limit.ts). */
  readonly force: boolean;
  selected: Address | null;
  /** The switchover's fence of the old primary; null when it is not fenced (see switchover.ts). */
  fence: SwitchoverFence | null;
  /** The pre-promote hook of this run; null until it is started (pre-promote.ts). */
  pre_promote: PrePromoteRun | null;
  promote_command_id: number | null;
  /** The data-node confirmed the promotion (command_result), ahead of any INFO. */
  promote_confirmed: boolean;
  commit_id: number | null;
  last_commit_ms: number;
}

/** A pre-promote hook run: its id, the core's own deadline, and the result once it came. */
export interface PrePromoteRun {
  readonly hook_id: number;
  readonly deadline_ms: number;
  result: { readonly ok: boolean; readonly detail: string } | null;
}

/** Progress of fencing the old primary and of the chosen replica's catch-up. */
export interface SwitchoverFence {
  /** When fencing began: the fence and the catch-up together are bounded from here. */
  readonly started_ms: number;
  /** The outstanding fence command (re-sent until one succeeds), null once answered. */
  command_id: number | null;
  sent_ms: number;
  /** The old primary's master_repl_offset once fenced: the replica must reach it. */
  offset: number | null;
  /** The old primary's data-node refused the fence (newer epoch) or it is no longer a master. */
  failed: boolean;
  /**
   * "switchover": fence then catch-up (a manual failover, primary reachable). "gate": any other
   * failover; promotes at the first of fence acknowledged, exit reported, lease expired.
   */
  readonly mode: "switchover" | "gate";
  /** Gate: the data-node answered the fence with `fenced: true`. */
  acknowledged: boolean;
}

/** The primary's replication offsets over time, for the promotion limits (promotion-limit.ts). */
export interface PrimaryOffsets {
  readonly address: Address;
  readonly replid: string;
  /** Oldest first, offsets non-decreasing, bounded by OFFSET_SAMPLES_MAX. */
  readonly samples: { readonly ms: number; readonly offset: number }[];
}

export interface MasterState {
  readonly name: string;
  address: Address;
  settings: MasterSettings;
  /** From the configuration file only, never persisted nor set at run time (types.ts). */
  pre_promote: PrePromoteHook | null;
  config_epoch: number;
  /** Our vote: whom we voted for in `leader_epoch` (persisted). */
  leader: AgentId | null;
  leader_epoch: number;
  /** When we gave that vote (or stood); after a restart, the restart (lease.ts). */
  vote_ms: number;
  /** When this agent last granted the primary a write lease; null: never (lease.ts). */
  last_grant_ms: number | null;
  /** When this agent learned the current config epoch (creation and restart count). */
  config_epoch_learned_ms: number;
  /**
   * The latest lease this agent granted a node at an epoch newer than its config epoch (a
   * promotion not committed yet, lease.ts); creation and restart count as one to an unknown node.
   */
  promote_grant: PromoteGrant | null;
  link: InstanceLink;
  /** Replicas keyed by `host:port`. */
  readonly replicas: Map<string, InstanceLink>;
  readonly agents: Map<AgentId, PeerAgent>;
  odown: boolean;
  odown_since_ms: number;
  /** A failover for this ODOWN starts no earlier (random desync, so that agents that saw the same
   * supervised exit at the same moment do not all stand at once and split the vote). */
  odown_start_after_ms: number;
  last_hello_ms: number;
  last_opinion_ms: number;
  /** Highest KV revision observed for this master's record. */
  topology_revision: number;
  /** When this agent last tried to create the first record of the master (reconcile.ts). */
  bootstrap_commit_ms: number | null;
  failover: FailoverRun | null;
  /** No own failover before this time (randomised back-off). */
  failover_retry_after_ms: number;
  /**
   * After voting for another candidate (at `since_ms`): give it until `until_ms` while it keeps
   * saying hello (failover.ts maybeStartFailover).
   */
  watch_leader: { id: AgentId; since_ms: number; until_ms: number } | null;
  /** When a reassert may start, once an uncommitted second master was seen (reconcile.ts). */
  conflict_start_after_ms: number | null;
  /**
   * An aborted switchover of ours fenced the primary at `epoch` and sent `unfence`; repeated by
   * reconcile.ts until the primary's reports (newer than `report_seq`, the last one seen at the
   * abort) show no fence, at most ABORT_UNFENCE_ATTEMPTS_MAX sends in all (`attempts`).
   */
  unfence: { readonly epoch: number; readonly report_seq: number; attempts: number } | null;
  /** The current primary's offset history (null until its first INFO as master). */
  primary_offsets: PrimaryOffsets | null;
  /** The operator's controls as the committed record carries them (maintenance.ts). */
  operator: OperatorControls;
}

/** Maintenance mode and anti-flapping, from the committed record; never persisted locally. */
export interface OperatorControls {
  pause: OperatorPause | null;
  /** Whether `+pause` was reported and `-pause` not yet (one event per change). */
  pause_reported: boolean;
  auto_failover_unix_ms: number | null;
  ack: FailoverAck | null;
  /** The blocked automatic failover last reported: once per ODOWN episode and reason. */
  blocked_reported: { readonly odown_since_ms: number; readonly reason: "paused" | "flapping" } | null;
}

export interface PendingProbe {
  readonly sent_ms: number;
  readonly master: string;
  readonly address: Address;
  readonly kind: "ping" | "info";
}

export interface PendingCommand {
  readonly sent_ms: number;
  /** The shell's clock (state.wall_ms) at the send: core time stands still across a stall. */
  readonly sent_wall_ms: number;
  /** The node_command effect's timeout: how long the shell waits for the data-node. */
  readonly timeout_ms: number;
  readonly master: string;
  readonly address: Address;
  readonly command: NodeCommand;
  readonly epoch: number;
  readonly purpose: "promote" | "reconf" | "fix" | "fence";
}

export interface AgentState {
  readonly myid: AgentId;
  readonly announce: Address;
  /** Replaced as a whole by a `set_timing` input (timing.ts). */
  timing: AgentTiming;
  current_epoch: number;
  /** Core time: monotonic, advances with the shell's clock except across anomalies (clock.ts). */
  now_ms: number;
  /** The shell's clock at the previous input; `now_ms` is core time, see clock.ts. */
  wall_ms: number;
  /** The wall clock (Unix ms) of the latest tick that carried it; null before (maintenance.ts). */
  unix_ms: number | null;
  tilt: boolean;
  /** Last clock anomaly; TILT ends tilt_period_ms after it. */
  tilt_since_ms: number;
  readonly masters: Map<string, MasterState>;
  /** Ids of probes, commands and commits (one counter, never reused in this incarnation). */
  next_id: number;
  readonly probes: Map<number, PendingProbe>;
  readonly commands: Map<number, PendingCommand>;
  readonly commits: Map<
    number,
    { readonly master: string; readonly epoch: number; readonly sent_ms: number }
  >;
}

export { addressKey, sameAddress } from "./address.js";

export function newLink(address: Address, now_ms: number): InstanceLink {
  return {
    address,
    created_ms: now_ms,
    ping_probe_id: null,
    ping_sent_ms: Number.NEGATIVE_INFINITY,
    unanswered_since_ms: null,
    last_avail_ms: now_ms,
    last_pong_ms: null,
    last_reply_ms: now_ms,
    info_probe_id: null,
    info_sent_ms: Number.NEGATIVE_INFINITY,
    info_ms: null,
    info: null,
    role_reported: null,
    role_reported_ms: now_ms,
    slave_conf_change_ms: now_ms,
    run_id: null,
    exited: false,
    exited_ms: 0,
    exit_report_ms: null,
    exit_disproved: false,
    report_seq: -1,
    node_epoch: -1,
    sdown: false,
    sdown_since_ms: 0,
    reboot_since_ms: null,
    link_down_since_ms: null,
    last_fix_ms: null,
    refused_epoch: false,
    fenced: false,
    data_lost: false,
    fenced_since_ms: null,
    reconf: "none",
    reconf_sent_ms: 0,
  };
}

export function nextId(state: AgentState): number {
  state.next_id += 1;
  return state.next_id;
}
