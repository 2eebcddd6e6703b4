// The agent's state machine: `step(state, input, random) -> { state, effects }`.
//
// Pure and deterministic: no I/O, no clock, no Math.random. Time arrives in every input's now_ms
// (the shell sends a tick every 100 ms), randomness from `random`. `step` MUTATES the state it is
// given and returns that same object (etcd/raft style): callers hand the state over and use the
// returned one. Effects are ordered; a `persist` effect precedes every effect that leaves the agent
// (see out.ts), so a vote or a new epoch is durable before the message that depends on it.
//
// The concerns live in their own files: clock.ts (core time, TILT), detection.ts (probes, SDOWN),
// odown.ts (opinions, ODOWN), election.ts (votes), selection.ts (replica choice), failover.ts (the
// state machine), switchover.ts (a manual failover's fence and catch-up), pre-promote.ts (the
// configured fence script before a promotion), commands.ts (data-node commands), config.ts
// (config epochs, hello), reconcile.ts (convert/fix replicas), admin.ts,
// events.ts (THE event table), persist.ts (the durable snapshot).
import { withTimingOverride } from "./timing.js";
import { applyAdmin, createMaster } from "./admin.js";
import { advanceClock, maybeExitTilt } from "./clock.js";
import { adoptConfig, onHello, onTopologyObserved, sendHelloIfDue } from "./config.js";
import { onNodeReport, onProbeResult, refreshSdown, scheduleProbes } from "./detection.js";
import { armElectionDeadlines, onVoteReply, onVoteRequest } from "./election.js";
import {
  abandonSwitchover,
  commitFailed,
  commitSucceeded,
  failoverStep,
  maybeStartFailover,
} from "./failover.js";
import { onDownOpinion, refreshOdown, resendOpinionIfDue, sendOpinion } from "./odown.js";
import { assertPrePromoteHook, onPrePromoteResult } from "./pre-promote.js";
import { forgetTheDead } from "./forget.js";
import { Out } from "./out.js";
import { snapshot } from "./persist.js";
import type { Random } from "./random.js";
import { reconcile } from "./reconcile.js";
import { messageEpoch, refuseEpochJump } from "./epoch-guard.js";
import { onFenceResult } from "./switchover.js";
import { onLeaseRequest } from "./lease.js";
import { observeOperator, operatorCommand, operatorView, refreshPause } from "./maintenance.js";
import type { OperatorView } from "./maintenance.js";
import { addressKey, newLink, sameAddress } from "./state.js";
import type { AgentState, FailoverRun, MasterState } from "./state.js";
import type {
  Address,
  AgentId,
  AgentTiming,
  Effect,
  Input,
  MasterSettings,
  PeerMessage,
  PersistedMaster,
  PersistedState,
  PrePromoteHook,
  TopologyRecord,
} from "./types.js";

export type { Random } from "./random.js";
export type { AgentState } from "./state.js";

export interface AgentConfig {
  readonly myid: AgentId;
  /** The address other agents and clients use for this agent. */
  readonly announce: Address;
  readonly timing: AgentTiming;
  /**
   * Masters from the configuration file; persisted state, when present, takes precedence, except
   * for `pre_promote`, which only the file gives (applied by name to the restored masters too).
   */
  readonly masters: readonly {
    readonly name: string;
    readonly address: Address;
    readonly settings: MasterSettings;
    readonly pre_promote?: PrePromoteHook;
  }[];
}

export interface StepOutput {
  readonly state: AgentState;
  readonly effects: readonly Effect[];
}

/**
 * The times of promote-leases granted before a restart are forgotten (not persisted: one grant
 * per lease request); the latest grant's node and epoch are (persist.ts). That one counts as
 * granted at the restart, to its node. Without it: one is granted only at an epoch we heard of,
 * newer than our config epoch (lease.ts); so when the persisted current epoch is newer than the
 * config epoch, the restart counts as such a grant to an unknown node, at the restart.
 */
function restartPromoteGrant(
  master: MasterState,
  current_epoch: number,
  now_ms: number,
  persisted: PersistedMaster["promote_grant"],
): void {
  if (persisted !== undefined && persisted.epoch > master.config_epoch) {
    master.promote_grant = { address: persisted.address, epoch: persisted.epoch, granted_ms: now_ms };
  } else if (current_epoch > master.config_epoch) {
    master.promote_grant = { address: null, epoch: current_epoch, granted_ms: now_ms };
  }
}

/**
 * Builds the initial state. With `persisted`, epochs, votes and known peers are restored. The
 * configuration's myid is the identity (sentinel.conf's `sentinel myid`, as for Sentinel), even
 * when `persisted` was written under another one: the shell logs that (state_myid_replaced).
 */
export function initAgent(config: AgentConfig, persisted: PersistedState | null, now_ms: number): AgentState {
  const state: AgentState = {
    myid: config.myid,
    announce: config.announce,
    timing: config.timing,
    current_epoch: persisted?.current_epoch ?? 0,
    now_ms,
    wall_ms: now_ms,
    unix_ms: null,
    tilt: false,
    tilt_since_ms: now_ms,
    masters: new Map(),
    next_id: 0,
    probes: new Map(),
    commands: new Map(),
    commits: new Map(),
  };
  if (persisted !== null) {
    for (const p of persisted.masters) {
      const master = createMaster(p.name, p.address, p.settings, now_ms);
      master.config_epoch = p.config_epoch;
      master.leader = p.leader;
      master.leader_epoch = p.leader_epoch;
      restartPromoteGrant(master, state.current_epoch, now_ms, p.promote_grant);
      for (const r of p.replicas) master.replicas.set(addressKey(r), newLink(r, now_ms));
      for (const a of p.agents) {
        if (a.id !== state.myid)
          master.agents.set(a.id, {
            id: a.id,
            announce: a.announce,
            last_hello_ms: null,
            known_since_ms: now_ms,
            opinion: null,
          });
      }
      // We may have voted just before the restart: give that candidate time before standing.
      master.failover_retry_after_ms = now_ms + p.settings.election_timeout_ms;
      state.masters.set(p.name, master);
    }
  } else {
    for (const m of config.masters) {
      state.masters.set(m.name, createMaster(m.name, m.address, m.settings, now_ms));
    }
  }
  for (const m of config.masters) {
    const master = state.masters.get(m.name);
    if (m.pre_promote === undefined || master === undefined) continue;
    assertPrePromoteHook(m.pre_promote);
    master.pre_promote = { script: m.pre_promote.script, timeout_ms: m.pre_promote.timeout_ms };
  }
  return state;
}

/** Advances the state machine by one input. The caller hands `state` over (it is mutated). */
export function step(state: AgentState, input: Input, random: Random): StepOutput {
  const out = new Out(state, random);
  advanceClock(out, input.now_ms);
  if (input.type === "tick" && input.unix_ms !== undefined) state.unix_ms = input.unix_ms;
  armElectionDeadlines(out);
  for (const master of dispatch(out, input)) evaluate(out, master, input.type === "tick");
  if (input.type === "tick") maybeExitTilt(out);
  return { state, effects: out.finish(() => snapshot(state)) };
}

/** Handles the input; returns the masters whose situation may have changed. */
function dispatch(out: Out, input: Input): MasterState[] {
  const state = out.state;
  const one = (master: MasterState | null): MasterState[] => (master === null ? [] : [master]);
  switch (input.type) {
    case "tick":
      return [...state.masters.values()];
    case "probe_result":
      return one(onProbeResult(out, input));
    case "node_report":
      return onNodeReport(out, input.report);
    case "peer_message":
      return one(onPeerMessage(out, input.message));
    case "command_result":
      return one(onCommandResult(out, input.command_id, input.result));
    case "topology_observed":
      return one(onRecordObserved(out, input.record, input.revision));
    case "commit_result":
      return one(onCommitResult(out, input));
    case "pre_promote_result":
      return one(onPrePromoteResult(out, input.hook_id, input.ok, input.detail));
    case "lease_request":
      return one(onLeaseRequest(out, input.request));
    case "set_timing":
      state.timing = withTimingOverride(state.timing, input.timing);
      return [];
    case "admin": {
      const command = input.command;
      const operator =
        command.type === "pause" || command.type === "resume" || command.type === "ack_failover";
      // An operator change is answered by the shell once it is committed (commit_operator).
      const outcome = operator
        ? operatorCommand(out, command, input.request_id)
        : applyAdmin(out, command, false);
      if (outcome === null) return [];
      const reply: Effect = {
        type: "admin_reply",
        request_id: input.request_id,
        ok: outcome.ok,
        message: outcome.message,
        ...(outcome.code === undefined ? {} : { code: outcome.code }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      };
      out.push(reply);
      return [];
    }
  }
}

function onPeerMessage(out: Out, message: PeerMessage): MasterState | null {
  const epoch = messageEpoch(message);
  if (epoch !== null && refuseEpochJump(out, null, `${message.type} from ${message.from}`, epoch))
    return null;
  switch (message.type) {
    case "hello":
      ownCommitHeard(out, message);
      return onHello(out, message);
    case "down_opinion":
      return onDownOpinion(out, message);
    case "vote_request":
      return onVoteRequest(out, message);
    case "vote_reply":
      return onVoteReply(out, message);
    case "admin":
      if (message.from !== out.state.myid) applyAdmin(out, message.command, true);
      return null;
  }
}

function onCommandResult(
  out: Out,
  command_id: number,
  result: Extract<Input, { type: "command_result" }>["result"],
): MasterState | null {
  const state = out.state;
  const pending = state.commands.get(command_id);
  if (pending === undefined) return null;
  state.commands.delete(command_id);
  const master = state.masters.get(pending.master);
  if (master === undefined) return null;
  const run = master.failover;
  if (pending.purpose === "promote") {
    if (run?.promote_command_id === command_id && result.ok && result.role === "master") {
      run.promote_confirmed = true;
    }
    return master;
  }
  if (pending.purpose === "fence") {
    onFenceResult(master, pending, command_id, result);
    return master;
  }
  if (!result.ok && result.code === "SP_ERR_STALE_EPOCH" && pending.epoch === master.config_epoch) {
    const link = master.replicas.get(addressKey(pending.address));
    if (link !== undefined) link.refused_epoch = true;
  }
  return master;
}

/**
 * A peer's hello carries the configuration we are committing (only the leader elected at that
 * epoch commits it, so it is ours): the commit succeeded and its reply is late or lost. Without
 * this, adopting it as someone else's config would drop our run before it reconfigures replicas.
 */
function ownCommitHeard(out: Out, hello: Extract<PeerMessage, { type: "hello" }>): void {
  const master = out.state.masters.get(hello.master_name);
  const run = master?.failover ?? null;
  if (master === undefined || run === null || run.state !== "commit" || run.selected === null) return;
  if (hello.config_epoch !== run.epoch || !sameAddress(hello.master_address, run.selected)) return;
  commitSucceeded(out, master, run);
}

/** Our own commit, seen through the KV watch before (or instead of) its commit_result. */
function ownCommit(state: AgentState, master: MasterState, record: TopologyRecord): FailoverRun | null {
  const run = master.failover;
  if (run === null || run.state !== "commit" || run.selected === null) return null;
  if (record.leader !== state.myid || record.config_epoch !== run.epoch) return null;
  return sameAddress(record.primary, run.selected) ? run : null;
}

function onRecordObserved(out: Out, record: TopologyRecord, revision: number): MasterState | null {
  const master = out.state.masters.get(record.master_name);
  if (master === undefined) return null;
  if (refuseEpochJump(out, master, `topology record rev ${revision}`, record.config_epoch)) return master;
  if (revision >= master.topology_revision) observeOperator(out, master, record);
  const run = ownCommit(out.state, master, record);
  if (run !== null) {
    if (revision > master.topology_revision) master.topology_revision = revision;
    commitSucceeded(out, master, run);
    return master;
  }
  return onTopologyObserved(out, record, revision);
}

function onCommitResult(out: Out, input: Extract<Input, { type: "commit_result" }>): MasterState | null {
  const state = out.state;
  const pending = state.commits.get(input.commit_id);
  if (pending === undefined) return null;
  state.commits.delete(input.commit_id);
  const master = state.masters.get(pending.master);
  if (master === undefined) return null;
  const current = input.current;
  if (current !== undefined && current.revision > master.topology_revision) {
    observeOperator(out, master, current.record);
    master.topology_revision = current.revision;
  }
  const run = master.failover;
  const ours = run !== null && run.state === "commit" && run.commit_id === input.commit_id;
  if (ours && !input.ok && current !== undefined && operatorOnlyChange(master, current.record)) {
    run.commit_id = null; // retried from failoverStep, now carrying the operator's change
    return master;
  }
  if (input.ok) {
    if (ours) commitSucceeded(out, master, run);
    return master;
  }
  if (current !== undefined && ownCommit(state, master, current.record) !== null && run !== null) {
    commitSucceeded(out, master, run); // an earlier attempt of ours won; its reply was lost
    return master;
  }
  if (ours) commitFailed(out, master, run, current !== undefined);
  if (current !== undefined) {
    const record = current.record;
    const source = `topology record rev ${current.revision}`;
    if (!refuseEpochJump(out, master, source, record.config_epoch))
      adoptConfig(out, master, record.primary, record.config_epoch, null);
  }
  return master;
}

/**
 * The record that beat our commit is the one we based it on plus an operator change (a pause, an
 * ack; maintenance.ts): same epoch, same primary. Nothing topological moved, so the commit is
 * retried on the new revision rather than aborted after a promotion.
 */
function operatorOnlyChange(master: MasterState, record: TopologyRecord): boolean {
  return record.config_epoch === master.config_epoch && sameAddress(record.primary, master.address);
}

/** Re-evaluates a master after an input: detection, ODOWN, failover, reconciliation. */
function evaluate(out: Out, master: MasterState, tick: boolean): void {
  const state = out.state;
  if (!state.masters.has(master.name)) return;
  if (tick) scheduleProbes(out, master);
  refreshPause(out, master);
  if (!state.tilt) {
    if (refreshSdown(out, master)) sendOpinion(out, master);
    refreshOdown(out, master);
    maybeStartFailover(out, master);
    failoverStep(out, master);
    reconcile(out, master);
  } else {
    abandonSwitchover(out, master);
  }
  if (tick) {
    resendOpinionIfDue(out, master);
    sendHelloIfDue(out, master);
    forgetTheDead(out, master);
    expirePending(out);
  }
}

/** Forgets commands and commits whose results never came (bounded maps). */
function expirePending(out: Out): void {
  const state = out.state;
  const horizon_ms = 10 * state.timing.probe_timeout_ms + 10_000;
  for (const [id, pending] of state.commands) {
    if (state.now_ms - pending.sent_ms > horizon_ms) state.commands.delete(id);
  }
  for (const [id, pending] of state.commits) {
    if (state.now_ms - pending.sent_ms <= horizon_ms) continue;
    state.commits.delete(id);
    const run = state.masters.get(pending.master)?.failover;
    if (run?.commit_id === id) run.commit_id = null;
  }
}

/** What this agent believes about a master: its primary address and the config epoch behind it. */
export interface MasterView {
  readonly name: string;
  readonly address: Address;
  readonly config_epoch: number;
  readonly sdown: boolean;
  readonly odown: boolean;
  /** "none" or a FailoverStateName: "wait-start", "select-slave", "pre-promote", ... */
  readonly failover_state: string;
  readonly failover_epoch: number;
  readonly quorum: number;
  readonly settings: MasterSettings;
  /** The pre-promote hook from the configuration file, or null. */
  readonly pre_promote: PrePromoteHook | null;
  readonly leader: AgentId | null;
  readonly leader_epoch: number;
  readonly replicas: number;
  readonly agents: number;
  /** Maintenance mode and anti-flapping (maintenance.ts). */
  readonly operator: OperatorView;
}

export function masterView(state: AgentState, name: string): MasterView | null {
  const master = state.masters.get(name);
  if (master === undefined) return null;
  return {
    name: master.name,
    address: master.address,
    config_epoch: master.config_epoch,
    sdown: master.link.sdown,
    odown: master.odown,
    failover_state: master.failover?.state ?? "none",
    failover_epoch: master.failover?.epoch ?? 0,
    quorum: master.settings.quorum,
    settings: master.settings,
    pre_promote: master.pre_promote,
    leader: master.leader,
    leader_epoch: master.leader_epoch,
    replicas: master.replicas.size,
    agents: master.agents.size,
    operator: operatorView(state, master),
  };
}

export function masterNames(state: AgentState): string[] {
  return [...state.masters.keys()];
}

/** A replica as this agent sees it (SENTINEL REPLICAS). */
export interface ReplicaView {
  readonly address: Address;
  readonly sdown: boolean;
  readonly role_reported: "master" | "slave" | null;
  readonly master_host: string | null;
  readonly master_port: number | null;
  readonly link_up: boolean;
  readonly priority: number;
  readonly offset: number;
  readonly run_id: string | null;
  readonly info_age_ms: number | null;
}

export function replicaViews(state: AgentState, name: string): ReplicaView[] {
  const master = state.masters.get(name);
  if (master === undefined) return [];
  return [...master.replicas.values()].map((link) => ({
    address: link.address,
    sdown: link.sdown,
    role_reported: link.role_reported,
    master_host: link.info?.master_host ?? null,
    master_port: link.info?.master_port ?? null,
    link_up: link.info?.master_link_status === "up",
    priority: link.info?.replica_priority ?? 100,
    offset: link.info?.slave_repl_offset ?? 0,
    run_id: link.run_id,
    info_age_ms: link.info_ms === null ? null : state.now_ms - link.info_ms,
  }));
}

/** Another agent as this agent sees it (SENTINEL SENTINELS). */
export interface AgentView {
  readonly id: AgentId;
  readonly announce: Address;
  readonly last_hello_age_ms: number | null;
  readonly down_opinion: boolean;
}

export function agentViews(state: AgentState, name: string): AgentView[] {
  const master = state.masters.get(name);
  if (master === undefined) return [];
  return [...master.agents.values()].map((peer) => ({
    id: peer.id,
    announce: peer.announce,
    last_hello_age_ms: peer.last_hello_ms === null ? null : state.now_ms - peer.last_hello_ms,
    down_opinion: peer.opinion?.down === true,
  }));
}

/** The durable snapshot of the state, as a `persist` effect would carry it. */
export function persistedState(state: AgentState): PersistedState {
  return snapshot(state);
}
