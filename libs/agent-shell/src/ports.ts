// The narrow edges of the agent (hashicorp/raft's Transport/FSM idea): the loop talks to the world
// only through these, so it can be driven by fakes in tests and by NATS/ioredis in production.
import type {
  Address,
  AgentId,
  NodeCommand,
  NodeCommandResult,
  Effect,
  OperatorChange,
  LeaseGrant,
  PeerMessage,
  PersistedState,
  ProbeResult,
  SentinelEvent,
  TopologyRecord,
} from "@sentinel-plane/core";
import type { ErrorCode } from "@sentinel-plane/protocol";

export interface PeerTransport {
  /** Fire-and-forget; loss is tolerated by the core (it re-sends what matters). */
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- "all" is the broadcast address
  send(to: AgentId | "all", message: PeerMessage): void;
}

export interface Prober {
  /** Never rejects: a failure is a `{ ok: false }` result. */
  probe(target: Address, kind: "ping" | "info", timeout_ms: number): Promise<ProbeResult>;
}

export interface NodeCommander {
  /**
   * Never rejects: transport failures become `{ ok: false, code }` results. `wanted` says whether
   * the core still wants the command (core commandWanted); asked before any late send.
   */
  command(
    target: Address,
    epoch: number,
    command: NodeCommand,
    timeout_ms: number,
    wanted: () => boolean,
  ): Promise<NodeCommandResult>;
}

export type CommitOutcome =
  | { readonly ok: true; readonly revision: number }
  | {
      readonly ok: false;
      readonly current?: { readonly record: TopologyRecord; readonly revision: number };
    };

export type OperatorOutcome =
  | { readonly ok: true; readonly record: TopologyRecord; readonly revision: number }
  | {
      readonly ok: false;
      readonly code: ErrorCode;
      /** The RESP reply line (`ERR ...`). */
      readonly message: string;
      /** The refusal without its `ERR ` (REST's problem detail); absent: the message. */
      readonly detail?: string;
    };

export interface TopologyStore {
  /** Compare-and-set on `expected_revision` (0: the key must not exist yet). Never rejects. */
  commit(record: TopologyRecord, expected_revision: number): Promise<CommitOutcome>;
  /**
   * Applies an operator change (pause, resume, ack; core maintenance.ts) to the master's current
   * record: read, change, compare-and-set, retried a bounded number of times. Never rejects.
   */
  commitOperator(master_name: string, change: OperatorChange): Promise<OperatorOutcome>;
  /** Compare-and-delete of a removed master's record (core `forget_topology`). Never rejects. */
  forget(master_name: string, expected_revision: number): Promise<boolean>;
}

export interface StateStore {
  /** Durable before it resolves (temp file, fsync, rename). Rejects on I/O failure. */
  save(state: PersistedState): Promise<void>;
}

export interface EventSink {
  emit(event: SentinelEvent): void;
}

export interface ReconfigHooks {
  clientReconfig(
    master_name: string,
    role: "leader" | "observer",
    state: "start",
    from: Address,
    to: Address,
  ): void;
}

/** Runs a pre-promote script (pre-promote.ts). Never rejects. */
export interface PrePromoteHook {
  run(
    effect: Extract<Effect, { type: "run_pre_promote" }>,
  ): Promise<{ readonly ok: boolean; readonly detail: string }>;
}

/** Publishes the core's write-lease answers (lease-desk.ts). Fire-and-forget. */
export interface LeaseGrants {
  grant(grant: LeaseGrant): void;
}

export interface AgentPorts {
  readonly peers: PeerTransport;
  readonly prober: Prober;
  readonly nodes: NodeCommander;
  readonly topology: TopologyStore;
  readonly state: StateStore;
  readonly events: EventSink;
  readonly hooks: ReconfigHooks;
  readonly pre_promote: PrePromoteHook;
  readonly leases: LeaseGrants;
}

// The loops' timers port and Node's adapter, shared with the vip-manager's loop (libs/runtime).
export { nodeTimers } from "@sentinel-plane/runtime";
export type { Timers } from "@sentinel-plane/runtime";
