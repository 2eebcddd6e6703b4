// The agent's state machine: `step(state, input, random) -> { state, effects }`.
// STUB: the core helper replaces the bodies; the signatures are the contract the simulator and the
// sentinel-agent service are written against.
import type {
  Address,
  AgentId,
  AgentTiming,
  Effect,
  Input,
  MasterSettings,
  PersistedState,
} from "./types.js";

/** Injected randomness (a seeded PRNG in the simulator, crypto in production). */
export interface Random {
  /** A uniformly distributed integer in [0, max_exclusive). */
  int(max_exclusive: number): number;
}

export interface AgentConfig {
  readonly myid: AgentId;
  /** The address other agents and clients use for this agent. */
  readonly announce: Address;
  readonly timing: AgentTiming;
  /** Masters from the configuration file; persisted state, when present, takes precedence. */
  readonly masters: readonly {
    readonly name: string;
    readonly address: Address;
    readonly settings: MasterSettings;
  }[];
}

/** The agent's in-memory state. Opaque to shells: read it through the query functions. */
export interface AgentState {
  readonly myid: AgentId;
  readonly current_epoch: number;
  readonly now_ms: number;
  readonly tilt: boolean;
}

export interface StepOutput {
  readonly state: AgentState;
  readonly effects: readonly Effect[];
}

/** Builds the initial state. With `persisted`, epochs, votes and known peers are restored. */
export function initAgent(
  _config: AgentConfig,
  _persisted: PersistedState | null,
  _now_ms: number,
): AgentState {
  throw new Error("initAgent: not implemented");
}

/** Advances the state machine by one input. The caller hands `state` over (it may be reused). */
export function step(_state: AgentState, _input: Input, _random: Random): StepOutput {
  throw new Error("step: not implemented");
}

/** What this agent believes about a master: its primary address and the config epoch behind it. */
export interface MasterView {
  readonly name: string;
  readonly address: Address;
  readonly config_epoch: number;
  readonly sdown: boolean;
  readonly odown: boolean;
  readonly failover_state: string; // "none" | "wait-start" | "select-slave" | ...
  readonly failover_epoch: number;
}

export function masterView(_state: AgentState, _name: string): MasterView | null {
  throw new Error("masterView: not implemented");
}
