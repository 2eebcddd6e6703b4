// The simulated world: agents running the agent's own loop (libs/agent-shell AgentLoop: the step,
// persist before send, one wake timer, the effects' dispatch) over the pure core, its ports in
// memory and answered from this world's events (agentPorts); redis nodes each with a data-node
// running the data-node's own loop and command path (libs/data-node-shell DataNodeLoop and
// DataNodeCommands over data-node-model.ts's in-memory ports: epoch check, write lease,
// self-fence, promote, fence, unfence), a steady client
// writer (clients.ts), the topology KV (compare-and-set on revision) and a network with loss,
// duplication, reordering, delay and directed partitions. Edges are named: `a1>r1` is an agent's
// PING/INFO to a redis server (and `r1>r2` replication), `a1>d1` / `d1>a1` the bus between an agent
// and a data-node (commands, reports, lease requests and grants), `d1>kv` a data-node's topology
// watch. A data-node also reaches the agents directly (failsafe: their REST port) wherever its host
// and the agent are linked (`a1>r1` both ways), whatever the bus does: the bus faults cut the bus
// edges only (busEdges). Everything happens on one event queue in simulated milliseconds; one PRNG makes every
// choice, so a seed replays exactly.
import { AgentLoop } from "@sentinel-plane/agent-shell";
import type { AgentPorts, CommitOutcome, OperatorOutcome } from "@sentinel-plane/agent-shell";
import {
  applyOperatorChange,
  formatEventLine,
  initAgent,
  masterView,
  sameAddress,
  step,
} from "@sentinel-plane/core";
import {
  DataNodeCommands,
  DataNodeLoop,
  ProbeSchedule,
  Restarter,
  StatusReporter,
} from "@sentinel-plane/data-node-shell";
import type { CommandOutcome, Observation, WatchdogServer } from "@sentinel-plane/data-node-shell";
import { stepWatchdog, wireLine } from "@sentinel-plane/core/data-node";
import type { WatchdogInput, WatchdogLine } from "@sentinel-plane/core/data-node";
import type {
  AdminCommand,
  Address,
  AgentConfig,
  AgentState,
  AgentTiming,
  Effect,
  Input,
  LeaseGrant,
  LeaseRequest,
  MasterSettings,
  NodeCommand,
  NodeCommandResult,
  OperatorChange,
  PeerMessage,
  PersistedState,
  PrePromoteHook,
  ProbeResult,
  Random,
  StepOutput,
  TopologyRecord,
} from "@sentinel-plane/core";
import { PROTOCOL_VERSION, spError } from "@sentinel-plane/protocol";
import type { ErrorCode, NodeStatusReport, Result } from "@sentinel-plane/protocol";
import { toNodeReport } from "@sentinel-plane/runtime";
import { Checker } from "./checkers.js";
import {
  dataNodeCommandPorts,
  dataNodePorts,
  DN_HANG_FENCE_AFTER_MS,
  DN_LEASE_MS,
  DN_POLL_MS,
  DN_PROBE_TIMEOUT_MS,
  DN_RESTART_POLICY,
  DN_RESTART_PRIMARY_WAIT_MS,
  endWaiting,
  productionSelfFence,
  commandResult,
  reporterPorts,
  restarterHost,
  serverObservation,
  SimDataNode,
} from "./data-node-model.js";
import type { DataNodeWorld, SelfFenceRule, SimCommandContext, SimWatchdog } from "./data-node-model.js";
import { CLIENT_FOLLOW_MAX_MS, Clients } from "./clients.js";
import { Prng } from "./prng.js";
import { EventQueue } from "./queue.js";
import { addrText, infoOf, nodeAt, replicaofServer, replicate, sameAddr } from "./redis-model.js";
import { SimVip } from "./vip-model.js";
import type { VipOptions, VipWorld } from "./vip-model.js";
import type { History, SimNode } from "./redis-model.js";
import { cancellableAfter } from "./sim-timers.js";

export type StepFn = (state: AgentState, input: Input, random: Random) => StepOutput;

/** A command an agent sends a data-node, as the loop hands it to its NodeCommander port. */
interface SimCommand {
  readonly target: Address;
  readonly epoch: number;
  readonly command: NodeCommand;
  readonly timeout_ms: number;
}

/** Answers a command to the agent after `delay_ms`. */
type CommandReply = (delay_ms: number, result: NodeCommandResult) => void;

export const TICK_MS = 100;
/** Bound on the rounds of loop work (microtasks, `soon` callbacks) one event may cause. */
const SETTLE_ROUNDS_MAX = 10_000;
const REPORT_PERIOD_MS = 250;
const KV_TIMEOUT_MS = 500;
/** The agent's loop bounds, as the agent's (start/agent-loop.ts). */
const AGENT_INPUTS_MAX = 10_000;
const AGENT_ADMIN_PENDING_MAX = 64;
const AGENT_ADMIN_TIMEOUT_MS = 5000;

export interface NetworkSettings {
  loss: number;
  duplicate: number;
  /** Probability that a message takes an extra 0-300 ms (reordering). */
  reorder: number;
  delay_min_ms: number;
  delay_max_ms: number;
}

export interface WorldOptions {
  readonly seed: number;
  readonly agents: number;
  readonly node_addresses: readonly Address[];
  readonly master_name: string;
  readonly settings: MasterSettings;
  readonly timing: AgentTiming;
  readonly network: NetworkSettings;
  /** Replica priorities (default 100 each). */
  readonly priorities?: readonly number[];
  readonly step?: StepFn;
  /** Keep the event log (scenarios, --verbose, determinism tests). */
  readonly keep_log: boolean;
  /** A pre-promote hook on every agent; its outcomes are drawn per run (`hookOutcome`). */
  readonly pre_promote?: PrePromoteHook;
  /** Chances of a hook run's outcomes; the rest succeed quickly (default HOOK_ODDS). */
  readonly hook_odds?: HookOdds;
  /** The data-nodes' self-fence rule (default: the production one; tests break it). */
  readonly self_fence?: SelfFenceRule;
  /** Clock rate of each data-node against simulated time (default 1). */
  readonly data_node_clock_rates?: readonly number[];
  /** The data-nodes' failsafe (direct lease requests; default on, as the data-node's). */
  readonly failsafe?: boolean;
  /** The Redis watchdog beside each server (supervise.watchdog; default on, as the data-node's). */
  readonly watchdog?: boolean;
  /**
   * A vip-manager (its own loop, libs/vip-shell) per data host (vip-model.ts; default none).
   * `rule`/`deaf_probe`: a test may break the desired-state rule or the duplicate address probe.
   */
  readonly vip?: VipOptions;
}

/** How a simulated pre-promote script ends; the remainder of the probability succeeds quickly. */
export interface HookOdds {
  /** Succeeds, but late: in the second half of its timeout. */
  readonly slow: number;
  /** Exits 1 soon. */
  readonly fail: number;
  /** Hangs: the shell kills it at its timeout and reports `timeout`. */
  readonly hang: number;
  /** No result ever comes (the core's own deadline must end the wait). */
  readonly lost: number;
}

export const HOOK_ODDS: HookOdds = { slow: 0.1, fail: 0.15, hang: 0.05, lost: 0.05 };

export class SimAgent {
  /** The agent's loop while it runs (null: crashed, or not started). */
  loop: AgentLoop | null = null;
  persisted: PersistedState | null = null;
  incarnation = 0;
  clock_offset_ms = 0;
  /** A crash strikes in the agent's next step (World.agentStep). */
  crash_pending = false;
  /** The crash struck: the agent dies once the step's effects before the cut are carried out. */
  crash_cut = false;

  constructor(
    readonly name: string,
    readonly id: string,
    readonly announce: Address,
  ) {}

  /** The core's state, null while the agent is down. */
  get state(): AgentState | null {
    return this.loop?.state ?? null;
  }
}

/**
 * Resolves once every microtask queued so far, and every one those queue, has run: the agent
 * loops' work after an event (setImmediate runs after the microtask queue is empty).
 */
function microtasksDone(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class World {
  now_ms = 0;
  readonly queue = new EventQueue();
  readonly rng: Prng;
  /** The core's randomness: a separate stream so that core choices do not shift the network's. */
  readonly core_rng: Prng;
  /** The direct channel's losses and delays: a stream of its own, so the bus's draws stay put. */
  readonly direct_rng: Prng;
  /** Lease requests that came directly, by `agent/node_id/seq`: the data-node incarnations that await a grant. */
  readonly #direct_pending = new Map<string, number[]>();
  readonly agents: SimAgent[] = [];
  readonly nodes: SimNode[] = [];
  /** One per node, same index. */
  readonly data_nodes: SimDataNode[] = [];
  readonly kv: { record: TopologyRecord | null; revision: number } = { record: null, revision: 0 };
  readonly checker: Checker;
  readonly clients: Clients;
  /** The vip-managers (options.vip); null without. */
  readonly vip: SimVip | null;
  readonly log: string[] = [];
  readonly #blocked = new Map<string, number>();
  readonly #step: StepFn;
  /** An event reached an agent's or a vip-manager's loop: runUntil lets its microtasks finish. */
  #agent_work = false;
  /** The data-nodes' loops' `soon` callbacks (Timers.soon), run by runUntil within the event. */
  readonly #soon: (() => void)[] = [];
  /** The first error an agent's loop caught (on_error) or its step threw, thrown by runUntil. */
  #loop_error: Error | null = null;
  readonly #self_fence: SelfFenceRule;
  steps = 0;
  /** Phase 2 began: pending fault ends are ignored. */
  healed = false;
  /** When the first fault may strike (run.ts scheduleFaults); until then the cluster is healthy. */
  faults_from_ms = Number.POSITIVE_INFINITY;
  /**
   * Lease self-fences of a node whose held lease ran out (not the start's "none granted yet"), by
   * phase: before any fault (a healthy primary that renewed too late), during faults, after heal.
   */
  readonly lease_fences = { quiet: 0, faults: 0, healed: 0 };
  /**
   * Lease requests sent, and those also sent to the agents directly (failsafe): with the bus up
   * before any fault (a healthy cluster: each one is avoidable REST load on the agents), with the
   * bus up later, with the bus down.
   */
  readonly lease_requests = { sent: 0, direct_quiet: 0, direct_bus_up: 0, direct_bus_down: 0 };

  constructor(readonly options: WorldOptions) {
    this.rng = new Prng(options.seed);
    this.core_rng = new Prng((options.seed ^ 0x5bd1e995) >>> 0);
    this.direct_rng = new Prng((options.seed ^ 0x27d4eb2f) >>> 0);
    this.#step = options.step ?? step;
    this.#self_fence = options.self_fence ?? productionSelfFence;
    this.checker = new Checker(options.seed, options.agents);
    this.clients = new Clients(this.primaryAddress);
    const origin: History = { parent: null, fork_offset: 0 };
    options.node_addresses.forEach((address, index) => {
      const primary = options.node_addresses[0];
      if (primary === undefined) throw new Error("no nodes");
      this.nodes.push({
        name: `r${index + 1}`,
        address,
        run_id: this.rng.hexId(),
        role: index === 0 ? "master" : "slave",
        master: index === 0 ? null : primary,
        offset: 0,
        history: origin,
        tick_bytes: 0,
        fenced: false,
        link: index === 0 ? "up" : "sync",
        link_down_since_ms: 0,
        sync_done_ms: this.rng.range(50, 300),
        process: "running",
        started_ms: 0,
        priority: options.priorities?.[index] ?? 100,
        epoch: 0,
        issuer: null,
        fence_queued: false,
        report_seq: 0,
      });
      const node = this.nodes[index];
      if (node === undefined) throw new Error("node not added");
      this.data_nodes.push(
        new SimDataNode(
          node,
          `d${index + 1}`,
          options.data_node_clock_rates?.[index] ?? 1,
          options.agents,
          options.watchdog ?? true,
        ),
      );
    });
    this.vip = options.vip === undefined ? null : this.#buildVip(options.vip);
    for (let i = 0; i < options.agents; i += 1) {
      this.agents.push(new SimAgent(`a${i + 1}`, this.rng.hexId(), { host: `10.0.9.${i + 1}`, port: 26379 }));
    }
  }

  #buildVip(vip: NonNullable<WorldOptions["vip"]>): SimVip {
    const hosts = this.data_nodes.map((dn) => ({ bus_name: dn.name, address: dn.node.address }));
    const world: VipWorld = {
      master_name: this.options.master_name,
      now: () => this.now_ms,
      kv: () => this.kv,
      at: (delay_ms, run) => {
        this.at(delay_ms, () => {
          this.#agent_work = true;
          run();
        });
      },
      answered: (start) => this.answered(start),
      blocked: (from, to) => this.blocked(from, to),
      fail: (detail) => this.checker.fail(this.now_ms, detail),
      trace: (who, text) => {
        this.trace(who, text);
      },
      keep_log: this.options.keep_log,
    };
    return new SimVip(world, hosts, this.options.seed, vip);
  }

  get primaryAddress(): Address {
    const first = this.options.node_addresses[0];
    if (first === undefined) throw new Error("no nodes");
    return first;
  }

  /** Starts every agent, the replication loop and the data-node reports. */
  start(): void {
    for (const agent of this.agents) this.startAgent(agent);
    this.every(TICK_MS, 0, () => {
      this.clients.writeOnce(this.nodes, this.now_ms, this.rng, this.checker);
      replicate(this.nodes, this.now_ms, this.rng, (source, replica) =>
        this.linked(source.name, replica.name),
      );
    });
    for (const dn of this.data_nodes) this.startDataNode(dn);
    this.vip?.start();
    for (const node of this.nodes) {
      this.every(REPORT_PERIOD_MS, this.rng.int(REPORT_PERIOD_MS), () => {
        this.report(node);
      });
    }
  }

  every(period_ms: number, phase_ms: number, run: () => void): void {
    const tick = (): void => {
      run();
      this.queue.push(this.now_ms + period_ms, tick);
    };
    this.queue.push(this.now_ms + phase_ms, tick);
  }

  at(delay_ms: number, run: () => void): void {
    this.queue.push(this.now_ms + delay_ms, run);
  }

  /**
   * Runs the queue until `until_ms` (inclusive); the writers are checked after each event. An
   * event that reached an agent's loop (toAgent) lets that loop's microtasks finish first (its
   * steps and effects, which schedule further events): nothing else runs meanwhile, so a seed
   * still replays exactly. An error the loop caught (a checker's Violation in a port) ends the run.
   */
  async runUntil(until_ms: number): Promise<void> {
    for (;;) {
      const next = this.queue.peekTime();
      if (next === null || next > until_ms) break;
      const item = this.queue.pop();
      if (item === null) break;
      this.now_ms = item.at_ms;
      item.run();
      await this.#settleWork();
      this.checker.checkWritable(this.now_ms, this.nodes);
    }
    this.now_ms = until_ms;
  }

  /**
   * Lets the loops' work of the event finish: their microtasks, then the data-nodes' `soon`
   * callbacks (in the order asked, each followed by the microtasks it queues), within the event.
   */
  async #settleWork(): Promise<void> {
    for (let rounds = 0; this.#agent_work || this.#soon.length > 0; rounds += 1) {
      // A loop that keeps asking for work within one instant never lets simulated time pass.
      if (rounds > SETTLE_ROUNDS_MAX)
        throw new Error(
          `work of one event at ${this.now_ms} ms does not settle\n${this.log.slice(-40).join("\n")}`,
        );
      if (this.#agent_work) {
        this.#agent_work = false;
        await microtasksDone();
        this.#afterAgentWork();
      }
      this.#soon.shift()?.();
    }
  }

  /**
   * A port's answer: `start` carries the call out and resolves (in a later event, to the same
   * incarnation). A port never rejects: what `start` throws (a checker's Violation) ends the run
   * through runUntil instead.
   */
  answered<T>(start: (resolve: (value: T) => void) => void): Promise<T> {
    return new Promise((resolve) => {
      try {
        start(resolve);
      } catch (error) {
        this.#loopError(error);
      }
    });
  }

  /** A port's answer delivered to `agent` (same incarnation) `delay_ms` after `reply` is called. */
  answerTo<T>(
    agent: SimAgent,
    incarnation: number,
    start: (reply: (delay_ms: number, value: T) => void) => void,
  ): Promise<T> {
    return this.answered((resolve) => {
      start((delay_ms, value) => {
        this.toAgent(agent, incarnation, delay_ms, () => {
          resolve(value);
        });
      });
    });
  }

  /** Keeps the first error of the agents' loops for runUntil to throw (a Violation stays one). */
  #loopError(error: unknown): void {
    this.#loop_error ??= error instanceof Error ? error : new Error(String(error));
  }

  /** An error a loop caught is thrown; an agent whose crash cut its last step dies. */
  #afterAgentWork(): void {
    const error = this.#loop_error;
    if (error !== null) {
      this.#loop_error = null;
      throw error;
    }
    for (const agent of this.agents) if (agent.crash_cut) this.crashAgent(agent);
  }

  // -------------------------------------------------------------------------------------------
  // Agents

  agentConfig(agent: SimAgent): AgentConfig {
    return {
      myid: agent.id,
      announce: agent.announce,
      timing: this.options.timing,
      masters: [
        {
          name: this.options.master_name,
          address: this.primaryAddress,
          settings: this.options.settings,
          ...(this.options.pre_promote === undefined ? {} : { pre_promote: this.options.pre_promote }),
        },
      ],
    };
  }

  agentNow(agent: SimAgent): number {
    return this.now_ms + agent.clock_offset_ms;
  }

  /**
   * Starts an agent (again): the agent's own loop (libs/agent-shell AgentLoop) over in-memory
   * ports backed by this world (agentPorts), on the agent's clock, its timers on the event queue.
   * A periodic tick as the agent's service feeds one; the KV watch starts with the current value.
   */
  startAgent(agent: SimAgent): void {
    agent.loop?.stop(); // a restart of a running agent: the old process is gone
    agent.incarnation += 1;
    agent.crash_pending = false;
    agent.crash_cut = false;
    const incarnation = agent.incarnation;
    const state = initAgent(this.agentConfig(agent), agent.persisted, this.agentNow(agent));
    agent.loop = new AgentLoop(state, this.agentPorts(agent, incarnation), {
      inputs_max: AGENT_INPUTS_MAX,
      admin_pending_max: AGENT_ADMIN_PENDING_MAX,
      admin_timeout_ms: AGENT_ADMIN_TIMEOUT_MS,
      now_ms: () => this.agentNow(agent),
      timers: {
        after: cancellableAfter((delay_ms, run) => {
          this.toAgent(agent, incarnation, delay_ms, run);
        }),
      },
      random: this.core_rng,
      step: (current, input, random) => this.agentStep(agent, current, input, random),
      on_error: (error) => {
        this.#loopError(error);
      },
    });
    const tick = (): void => {
      agent.loop?.feed({ type: "tick", now_ms: this.agentNow(agent) });
      this.toAgent(agent, incarnation, TICK_MS, tick);
    };
    this.toAgent(agent, incarnation, this.rng.int(TICK_MS), tick);
    this.watchInitial(agent);
  }

  /**
   * The core's step inside the agent's loop, where a crash strikes: a pending crash cuts the
   * step's effect list at a random index (the loop carries out the effects before the cut, in
   * order, as the process did before dying), and the agent dies once they are carried out (at the
   * end of the event, runUntil, or at its loop's next step, whichever comes first). Persist before
   * send is what protects us: a cut after a persist has it, one before it has no message that
   * depends on it.
   */
  agentStep(agent: SimAgent, state: AgentState, input: Input, random: Random): StepOutput {
    if (agent.crash_cut) {
      this.crashAgent(agent);
      return { state, effects: [] };
    }
    this.steps += 1;
    let output: StepOutput;
    try {
      output = this.#step(state, input, random);
    } catch (error) {
      this.#loopError(error);
      return { state, effects: [] };
    }
    if (!agent.crash_pending) return output;
    agent.crash_pending = false;
    agent.crash_cut = true;
    return { state: output.state, effects: output.effects.slice(0, this.rng.int(output.effects.length + 1)) };
  }

  crashAgent(agent: SimAgent): void {
    const loop = agent.loop;
    if (loop === null) return;
    agent.loop = null;
    agent.incarnation += 1;
    agent.crash_pending = false;
    agent.crash_cut = false;
    loop.stop();
    this.trace(agent.name, "! crashed");
  }

  agentByName(name: string): SimAgent {
    const agent = this.agents.find((a) => a.name === name);
    if (agent === undefined) throw new Error(`no agent ${name}`);
    return agent;
  }

  /**
   * Runs `run` after `delay_ms` if the agent is alive (in the same incarnation unless null): the
   * way anything reaches an agent's loop (an input, a port's answer, a timer). Its loop then
   * goes on in microtasks, which runUntil lets finish before the next event.
   */
  toAgent(agent: SimAgent, incarnation: number | null, delay_ms: number, run: () => void): void {
    this.at(delay_ms, () => {
      if (agent.loop === null) return;
      if (incarnation !== null && incarnation !== agent.incarnation) return;
      this.#agent_work = true;
      run();
    });
  }

  /** Delivers an input built at delivery time, if the agent (same incarnation) is alive. */
  deliver(
    agent: SimAgent,
    delay_ms: number,
    incarnation: number | null,
    build: (now_ms: number) => Input,
  ): void {
    this.toAgent(agent, incarnation, delay_ms, () => {
      agent.loop?.feed(build(this.agentNow(agent)));
    });
  }

  /**
   * An operator's admin command on an agent, now (its RESP or REST port in the agent); the reply
   * is traced when it comes, unless the agent crashed meanwhile (its caller's connection died).
   */
  admin(agent: SimAgent, command: AdminCommand): void {
    const incarnation = agent.incarnation;
    this.toAgent(agent, incarnation, 0, () => {
      void agent.loop?.admin(command).then((reply) => {
        if (!this.options.keep_log || agent.incarnation !== incarnation) return;
        this.trace(agent.name, `> admin-reply ${reply.ok ? "ok" : "error"} ${reply.message}`);
      });
    });
  }

  /** The agent's ports, in memory: the world carries each effect out and answers in its events. */
  agentPorts(agent: SimAgent, incarnation: number): AgentPorts {
    return {
      peers: {
        send: (to, message) => {
          this.sendPeer(agent, to, message);
        },
      },
      prober: {
        probe: (target, kind, timeout_ms) => this.probe(agent, incarnation, target, kind, timeout_ms),
      },
      nodes: {
        command: (target, epoch, command, timeout_ms) =>
          this.nodeCommand(agent, incarnation, target, epoch, command, timeout_ms),
      },
      topology: {
        commit: (record, expected_revision) => this.commit(agent, incarnation, record, expected_revision),
        commitOperator: (master_name, change) => this.commitOperator(agent, incarnation, master_name, change),
        forget: (_master_name, expected_revision) => this.forget(agent, incarnation, expected_revision),
      },
      state: {
        save: (state) => {
          agent.persisted = state;
          return Promise.resolve();
        },
      },
      events: {
        emit: (event) => {
          if (this.options.keep_log) this.trace(agent.name, formatEventLine(event));
          this.checker.onEvent(this.now_ms, agent.name, event);
        },
      },
      hooks: {
        clientReconfig: (_master_name, role, _state, from, to) => {
          if (this.options.keep_log)
            this.trace(agent.name, `> client-reconfig ${role} ${addrText(from)} -> ${addrText(to)}`);
        },
      },
      pre_promote: { run: (effect) => this.prePromote(agent, incarnation, effect) },
      leases: {
        grant: (grant) => {
          this.leaseGrant(agent, grant);
        },
      },
    };
  }

  trace(who: string, line: string): void {
    this.log.push(`${String(this.now_ms).padStart(6, " ")} ${who} ${line}`);
  }

  // -------------------------------------------------------------------------------------------
  // Network

  block(from: string, to: string): void {
    this.#blocked.set(`${from}>${to}`, (this.#blocked.get(`${from}>${to}`) ?? 0) + 1);
    if (to === "kv") this.busStatusOf(from);
  }

  /** A data-node's NATS status follows its edge to the KV (the NATS server). */
  busStatusOf(name: string): void {
    const dn = this.data_nodes.find((d) => d.name === name);
    if (dn !== undefined) this.busStatus(dn);
  }

  unblock(from: string, to: string): void {
    const key = `${from}>${to}`;
    const count = (this.#blocked.get(key) ?? 0) - 1;
    if (count <= 0) this.#blocked.delete(key);
    else this.#blocked.set(key, count);
    if (to === "kv") this.busStatusOf(from);
    if (to === "kv" && count <= 0) {
      const agent = this.agents.find((a) => a.name === from);
      if (agent !== undefined) this.watchInitial(agent);
      const dn = this.data_nodes.find((d) => d.name === from);
      if (dn !== undefined) this.watchDataNode(dn);
    }
  }

  /** Both directions open between two named ends. */
  linked(a: string, b: string): boolean {
    return !this.blocked(a, b) && !this.blocked(b, a);
  }

  blocked(from: string, to: string): boolean {
    return this.#blocked.size > 0 && this.#blocked.has(`${from}>${to}`);
  }

  /**
   * The bus edges of the named ends (agents, data-nodes): to and from every agent and data-node,
   * and to the KV. Agent-to-host links (PING, INFO, the direct channel) and replication stay.
   */
  busEdges(ends: readonly string[]): [string, string][] {
    const names = [...this.agents.map((a) => a.name), ...this.data_nodes.map((d) => d.name)];
    const edges = new Map<string, [string, string]>();
    const add = (a: string, b: string): void => {
      edges.set(`${a}>${b}`, [a, b]);
    };
    for (const end of ends) {
      add(end, "kv");
      const agent = this.agents.some((a) => a.name === end);
      for (const other of names) {
        if (other === end || (!agent && other.startsWith("d"))) continue; // no data-node-to-data-node edge
        add(end, other);
        add(other, end);
      }
    }
    return [...edges.values()];
  }

  healNetwork(): void {
    this.#blocked.clear();
    for (const agent of this.agents) this.watchInitial(agent);
    for (const dn of this.data_nodes) {
      this.busStatus(dn);
      this.watchDataNode(dn);
    }
  }

  delay(): number {
    const net = this.options.network;
    let delay_ms = this.rng.range(net.delay_min_ms, net.delay_max_ms);
    if (net.reorder > 0 && this.rng.chance(net.reorder)) delay_ms += this.rng.int(300);
    return delay_ms;
  }

  sendPeer(from: SimAgent, to: string, message: PeerMessage): void {
    for (const target of this.agents) {
      if (target === from) continue;
      if (to !== "all" && target.id !== to) continue;
      if (this.blocked(from.name, target.name)) continue;
      const net = this.options.network;
      if (net.loss > 0 && this.rng.chance(net.loss)) continue;
      const copies = net.duplicate > 0 && this.rng.chance(net.duplicate) ? 2 : 1;
      for (let i = 0; i < copies; i += 1) {
        this.deliver(target, this.delay(), null, (now_ms) => {
          if (message.type === "vote_reply" && message.leader === target.id) {
            this.checker.grantDelivered(target.name, from.name, message.leader_epoch);
          }
          return { type: "peer_message", now_ms, message };
        });
      }
    }
  }

  /** Whether agent and redis server can talk (both directions): PING and INFO. */
  reachable(agent: SimAgent, node: SimNode): boolean {
    return this.linked(agent.name, node.name);
  }

  dataNodeOf(node: SimNode): SimDataNode {
    const dn = this.data_nodes[this.nodes.indexOf(node)];
    if (dn === undefined) throw new Error(`no data-node for ${node.name}`);
    return dn;
  }

  /** Whether agent and data-node can talk over the bus (both directions), the data-node running. */
  onBus(agent: SimAgent, dn: SimDataNode): boolean {
    return dn.alive && this.linked(agent.name, dn.name);
  }

  /** The agent's PING or INFO (its Prober port); answered to the same incarnation only. */
  probe(
    agent: SimAgent,
    incarnation: number,
    target: Address,
    kind: "ping" | "info",
    timeout_ms: number,
  ): Promise<ProbeResult> {
    return this.answerTo(agent, incarnation, (reply) => {
      this.probeNode(agent, target, kind, timeout_ms, reply);
    });
  }

  probeNode(
    agent: SimAgent,
    target: Address,
    kind: "ping" | "info",
    timeout_ms: number,
    reply: (delay_ms: number, result: ProbeResult) => void,
  ): void {
    const node = nodeAt(this.nodes, target);
    const rtt_ms = this.rng.range(1, 6);
    if (node === null || !this.reachable(agent, node) || node.process === "hung") {
      reply(timeout_ms, { kind, ok: false, error: "timeout" });
    } else if (node.process === "killed") {
      reply(rtt_ms, { kind, ok: false, error: "ECONNREFUSED" });
    } else if (kind === "ping") {
      reply(rtt_ms, { kind: "ping", ok: true, reply: "PONG" });
    } else {
      reply(rtt_ms, { kind: "info", ok: true, info: infoOf(this.nodes, node, this.now_ms) });
    }
  }

  /** The agent's command to a data-node (its NodeCommander port); answered to the same incarnation. */
  nodeCommand(
    agent: SimAgent,
    incarnation: number,
    target: Address,
    epoch: number,
    command: NodeCommand,
    timeout_ms: number,
  ): Promise<NodeCommandResult> {
    return this.answerTo(agent, incarnation, (reply: CommandReply) => {
      this.commandNode(agent, { target, epoch, command, timeout_ms }, reply);
    });
  }

  commandNode(agent: SimAgent, effect: SimCommand, reply: CommandReply): void {
    const node = nodeAt(this.nodes, effect.target);
    const run = agent.state?.masters.get(this.options.master_name)?.failover ?? null;
    if (effect.command.type === "fence") this.checker.onFenceSent(this.now_ms, agent.name, effect.epoch, run);
    if (effect.command.type === "promote" && this.options.pre_promote !== undefined) {
      this.checker.onPromoteSent(this.now_ms, agent.name, effect.epoch, effect.target, run);
    }
    const timeout = { ok: false, code: "SP_ERR_TIMEOUT", message: "timeout" } as const;
    const dn = node === null ? null : this.dataNodeOf(node);
    if (node === null || dn === null || !this.onBus(agent, dn)) {
      reply(effect.timeout_ms, timeout);
      return;
    }
    const dn_incarnation = dn.incarnation;
    this.at(this.delay(), () => {
      // A process started since: it subscribed after the command was published (lost).
      if (dn.incarnation !== dn_incarnation || !dn.alive) {
        reply(effect.timeout_ms, timeout);
        return;
      }
      this.#agent_work = true;
      // node.ts #enqueue: behind the commands (and self-fences) already queued, one at a time.
      dn.queue
        .run(() => this.executeCommand(agent, dn, effect))
        .then(
          (result) => {
            if (result === null || dn.incarnation !== dn_incarnation || !this.onBus(agent, dn)) return;
            reply(this.delay(), result);
          },
          (error: unknown) => {
            this.#loopError(error); // a checker's Violation in a port: runUntil throws it
          },
        );
    });
  }

  /**
   * The data-node's own command path (data-node-shell DataNodeCommands, as node.ts runs it) over
   * the simulated server; null when the process died meanwhile (no reply is sent).
   */
  async executeCommand(
    agent: SimAgent,
    dn: SimDataNode,
    effect: SimCommand,
  ): Promise<NodeCommandResult | null> {
    const commands = dn.command_path;
    if (commands === null) return null;
    const command: SimCommandContext = {
      agent: agent.name,
      epoch: effect.epoch,
      kind: effect.command.type,
      transactions: 0,
    };
    dn.command = command;
    let outcome: CommandOutcome;
    try {
      outcome = await commands.execute({ epoch: effect.epoch, issuer: agent.id, command: effect.command });
    } finally {
      if (dn.command === command) dn.command = null;
    }
    if (dn.command_path !== commands) return null;
    if (outcome.ok && command.transactions === 0) this.answeredWithoutChange(dn, command);
    return commandResult(dn, command.kind, outcome);
  }

  /**
   * A command carried out without a transaction: "already fenced" and "not fenced" count as
   * applied (the checkers); an unfence kept fenced for the lease does not (the node lifts it).
   */
  answeredWithoutChange(dn: SimDataNode, command: SimCommandContext): void {
    if (command.kind === "unfence" && dn.loop?.lease_fenced === true) {
      if (this.options.keep_log)
        this.trace(dn.name, `< unfence epoch ${command.epoch} kept fenced: no valid write lease`);
      return;
    }
    this.commandApplied(dn, command);
  }

  /** A command's change ran on the server: the checkers, the trace, a report. */
  commandApplied(dn: SimDataNode, command: SimCommandContext): void {
    const node = dn.node;
    this.checker.onApplied(this.now_ms, node, command.epoch, command.kind);
    this.checker.checkWriters(this.now_ms, this.nodes);
    if (this.options.keep_log)
      this.trace(node.name, `< ${command.kind} epoch ${command.epoch} from ${command.agent}`);
    this.report(node);
  }

  /**
   * The agent's shell runs the pre-promote script (its PrePromoteHook port): a seeded outcome,
   * reported to the same incarnation (a crashed agent's script result is lost with it); a lost
   * one never resolves.
   */
  prePromote(
    agent: SimAgent,
    incarnation: number,
    effect: Extract<Effect, { type: "run_pre_promote" }>,
  ): Promise<{ readonly ok: boolean; readonly detail: string }> {
    this.checker.hooks_run += 1;
    const odds = this.options.hook_odds ?? HOOK_ODDS;
    const timeout_ms = effect.timeout_ms;
    const roll = this.rng.float();
    let outcome: { delay_ms: number; ok: boolean; detail: string } | null;
    if (roll < odds.lost) outcome = null;
    else if (roll < odds.lost + odds.hang)
      outcome = { delay_ms: timeout_ms + this.rng.range(1, 50), ok: false, detail: "timeout" };
    else if (roll < odds.lost + odds.hang + odds.fail)
      outcome = { delay_ms: this.rng.range(1, 300), ok: false, detail: "exit-1" };
    else if (roll < odds.lost + odds.hang + odds.fail + odds.slow) {
      outcome = {
        delay_ms: this.rng.range(Math.floor(timeout_ms / 2), timeout_ms - 1),
        ok: true,
        detail: "exit-0",
      };
    } else
      outcome = {
        delay_ms: this.rng.range(1, Math.max(1, Math.floor(timeout_ms / 4))),
        ok: true,
        detail: "exit-0",
      };
    if (this.options.keep_log) {
      const end = outcome === null ? "no result" : `${outcome.detail} after ${outcome.delay_ms} ms`;
      this.trace(
        agent.name,
        `> pre-promote epoch ${effect.epoch} ${addrText(effect.from)} -> ${addrText(effect.to)}: ${end}`,
      );
    }
    return this.answered((resolve) => {
      if (outcome === null) return;
      const { delay_ms, ok, detail } = outcome;
      this.toAgent(agent, incarnation, delay_ms, () => {
        this.checker.onHookResult(agent.name, effect.epoch, effect.to, ok);
        resolve({ ok, detail });
      });
    });
  }

  /**
   * The data-node publishes its report (StatusReporter; only a significant change with
   * `if_changed`). The model reads the server at send time, where node.ts's report reads its
   * latest probe (at most a poll interval old).
   */
  report(node: SimNode, if_changed?: "if_changed"): void {
    const dn = this.dataNodeOf(node);
    const reporter = dn.reporter;
    if (!dn.alive || reporter === null) return;
    reporter.observe(serverObservation(this.nodes, node, this.now_ms));
    if (if_changed === undefined) reporter.publishNow();
    else reporter.publishIfChanged();
  }

  /** The reporter's sink: the report as an agent reads it (toNodeReport), to every agent on the bus. */
  sendReport(dn: SimDataNode, status: NodeStatusReport): void {
    dn.node.report_seq = status.seq; // the next process's reports follow it
    const report = toNodeReport(status);
    for (const agent of this.agents) {
      if (agent.state === null || this.blocked(dn.name, agent.name)) continue;
      this.deliver(agent, this.delay(), null, (now_ms) => ({ type: "node_report", now_ms, report }));
    }
  }

  // -------------------------------------------------------------------------------------------
  // Topology KV

  /**
   * The agent's compare-and-set of the record (its TopologyStore port), answered to the same
   * incarnation; a success whose answer is lost (cut from the KV meanwhile) never resolves, as
   * the KV's reply lost on the way. The loop observes the record it wrote itself; every watch
   * (the writer's too) delivers it as well.
   */
  commit(
    agent: SimAgent,
    incarnation: number,
    record: TopologyRecord,
    expected_revision: number,
  ): Promise<CommitOutcome> {
    return this.answerTo(agent, incarnation, (answer: (delay_ms: number, outcome: CommitOutcome) => void) => {
      if (this.blocked(agent.name, "kv")) {
        answer(KV_TIMEOUT_MS, { ok: false });
        return;
      }
      this.at(this.delay(), () => {
        // A create (expected 0) also succeeds on a deleted record, as NATS KV's create does.
        const deleted = expected_revision === 0 && this.kv.record === null;
        if (this.kv.revision !== expected_revision && !deleted) {
          const current = this.kv.record;
          answer(
            this.delay(),
            current === null
              ? { ok: false }
              : { ok: false, current: { record: current, revision: this.kv.revision } },
          );
          return;
        }
        const revision = this.kvWrite(record);
        if (!this.blocked(agent.name, "kv")) answer(this.delay(), { ok: true, revision });
        this.kvWatchers();
      });
    });
  }

  /** Writes the record: the clients follow it, the checker and the log see it. Returns its revision. */
  kvWrite(record: TopologyRecord): number {
    this.kv.record = record;
    this.kv.revision += 1;
    this.at(this.rng.range(1, CLIENT_FOLLOW_MAX_MS), () => {
      this.clients.follow(record);
    });
    this.checker.onCommit(this.now_ms, record);
    if (this.options.keep_log) {
      this.trace(
        "kv",
        `committed epoch ${record.config_epoch} primary ${addrText(record.primary)} rev ${this.kv.revision}`,
      );
    }
    this.vip?.kvWritten();
    return this.kv.revision;
  }

  /** Every watch of the KV (agents, data-nodes) gets the current record. */
  kvWatchers(): void {
    for (const other of this.agents) this.watchInitial(other);
    for (const dn of this.data_nodes) this.watchDataNode(dn);
  }

  /**
   * An operator change (pause, resume, ack; the TopologyStore port's commitOperator): applied to
   * the current record in one round trip (the agent's KV adapter retries a changed record; the
   * simulator's KV does not change between read and write).
   */
  commitOperator(
    agent: SimAgent,
    incarnation: number,
    master_name: string,
    change: OperatorChange,
  ): Promise<OperatorOutcome> {
    return this.answerTo(
      agent,
      incarnation,
      (answer: (delay_ms: number, outcome: OperatorOutcome) => void) => {
        const refuse = (delay_ms: number, code: ErrorCode, detail: string): void => {
          answer(delay_ms, { ok: false, code, message: `ERR ${detail}`, detail });
        };
        if (this.blocked(agent.name, "kv")) {
          refuse(KV_TIMEOUT_MS, "SP_ERR_UNAVAILABLE", `the record of ${master_name} cannot be read`);
          return;
        }
        this.at(this.delay(), () => {
          const current = this.kv.record;
          if (current === null || current.master_name !== master_name) {
            refuse(this.delay(), "SP_ERR_UNAVAILABLE", `the record of ${master_name} cannot be read`);
            return;
          }
          const changed = applyOperatorChange(current, change);
          if (!changed.ok) {
            refuse(this.delay(), "SP_ERR_ADMIN_REFUSED", changed.reason);
            return;
          }
          const revision = this.kvWrite(changed.record);
          if (!this.blocked(agent.name, "kv"))
            answer(this.delay(), { ok: true, record: changed.record, revision });
          this.kvWatchers();
        });
      },
    );
  }

  /**
   * SENTINEL REMOVE (the TopologyStore port's forget): compare-and-delete, as the NATS KV delete
   * with a previous revision. The loop does not wait for the answer.
   */
  forget(agent: SimAgent, incarnation: number, expected_revision: number): Promise<boolean> {
    return this.answerTo(agent, incarnation, (reply: (delay_ms: number, deleted: boolean) => void) => {
      this.at(this.delay(), () => {
        const deleted = this.kv.revision === expected_revision && this.kv.record !== null;
        if (deleted) {
          this.kv.record = null;
          this.kv.revision += 1;
        }
        reply(0, deleted);
      });
    });
  }

  /** Sends the KV's current record to an agent (watch), unless cut off from the KV. */
  watchInitial(agent: SimAgent): void {
    const record = this.kv.record;
    if (record === null || this.blocked(agent.name, "kv")) return;
    const revision = this.kv.revision;
    this.deliver(agent, this.delay(), null, (now_ms) => ({
      type: "topology_observed",
      now_ms,
      record,
      revision,
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Data-nodes: the data-node's own loop (DataNodeLoop) and command path (DataNodeCommands) over
  // ports answered from this world's events (data-node-model.ts dataNodePorts,
  // dataNodeCommandPorts); the poll and the restarter as node.ts

  /** A data-node process starts (again): a new loop, which adopts its server as it finds it. */
  startDataNode(dn: SimDataNode): void {
    const loop = dn.start(this.now_ms, (started) => this.#newDataNode(started));
    this.#superviseAtStart(dn);
    const incarnation = dn.incarnation;
    // node.ts: a probe every poll_interval_ms, and an evaluation.
    const poll = (): void => {
      if (dn.incarnation !== incarnation) return;
      dn.probes?.poll();
      this.toDataNode(dn, dn.simDelay(DN_POLL_MS), poll);
    };
    this.toDataNode(dn, 1 + this.rng.int(DN_POLL_MS), poll);
    loop.start();
    // node.ts probes its server once at start, before it connects: a writable master it adopts
    // is fenced at once, not at the first poll.
    void dn.probes?.probeNow();
    // Connected to NATS: the first lease request goes out at once (node.ts #connect).
    this.toDataNode(dn, 1 + this.rng.int(10), () => {
      if (dn.incarnation !== incarnation) return;
      this.busStatus(dn);
      loop.requestLease();
    });
    this.watchDataNode(dn);
    this.report(dn.node);
  }

  /**
   * node.ts start: a running (or hung) server is adopted; none to adopt (killed: by the watchdog
   * while no data-node ran, or by a fault) is planned as its crash when last seen a master
   * (Restarter.startWithoutServer), else started as configured. A start while a fault holds the
   * server down waits for the fault's end (startServer).
   */
  #superviseAtStart(dn: SimDataNode): void {
    const restarter = dn.restarter;
    if (restarter === null) return;
    const node = dn.node;
    if (node.process !== "killed") {
      restarter.started();
      return;
    }
    // The state file's running_role: the role the model's server last ran as; it loses no data.
    if (restarter.startWithoutServer({ running_role: node.role, had_keys: true })) return;
    void this.startServer(dn, []).then(() => {
      restarter.started();
    });
  }

  /** The data-node's loop, command path and restarter over this world (as node.ts builds them). */
  #newDataNode(dn: SimDataNode): {
    readonly loop: DataNodeLoop;
    readonly commands: DataNodeCommands;
    readonly restarter: Restarter;
    readonly reporter: StatusReporter;
    readonly probes: ProbeSchedule;
  } {
    const world = this.#dataNodeWorld();
    const ports = dataNodePorts(dn, world);
    const loop = new DataNodeLoop(
      {
        node_id: dn.node.name,
        master_name: this.options.master_name,
        announce: dn.node.address,
        lease_ms: DN_LEASE_MS,
        hang_fence_after_ms: DN_HANG_FENCE_AFTER_MS,
        failsafe_agents: this.agents.map((a) => a.name),
        decide: this.#self_fence,
      },
      ports,
    );
    const commands = new DataNodeCommands(
      { lease_ms: DN_LEASE_MS },
      dataNodeCommandPorts(dn, loop, ports.redis, world),
    );
    const restarter = new Restarter(
      {
        enabled: true,
        policy: DN_RESTART_POLICY,
        primary_wait_ms: DN_RESTART_PRIMARY_WAIT_MS,
        self: dn.node.address,
        topology_followed: true,
      },
      restarterHost(dn, world, ports),
    );
    const reporter = new StatusReporter(
      { cluster_id: "sim", node_id: dn.node.name, address: dn.node.address, last_seq: dn.node.report_seq },
      reporterPorts(dn, world, ports),
    );
    const incarnation = dn.incarnation;
    const probes = new ProbeSchedule({
      probe: () => this.probeServer(dn),
      seen: (observation) => {
        dn.probe(this.now_ms, observation);
      },
      closed: () => dn.incarnation !== incarnation || !dn.alive,
      loop,
      reporter,
      restarter,
    });
    return { loop, commands, restarter, reporter, probes };
  }

  /** What the data-nodes' ports need of this world. */
  #dataNodeWorld(): DataNodeWorld {
    return {
      keep_log: this.options.keep_log,
      failsafe: this.options.failsafe ?? true,
      rng: this.rng,
      now: () => this.now_ms,
      at: (delay_ms, run) => {
        this.at(delay_ms, () => {
          this.#dataNodeEvent();
          run();
        });
      },
      soon: (run) => {
        this.#soon.push(run);
      },
      work: () => {
        this.#agent_work = true;
      },
      publish: (dn, request) => {
        this.publishLeaseRequest(dn, request);
      },
      direct: (dn, request) => {
        this.requestLeaseDirect(dn, request);
      },
      report: (dn, if_changed) => {
        this.report(dn.node, if_changed);
      },
      sendReport: (dn, status) => {
        this.sendReport(dn, status);
      },
      watchdog: (dn, line, server) => {
        this.feedWatchdog(dn, line, server);
      },
      leaseFenced: () => {
        this.countLeaseFence();
      },
      applied: (dn, command) => {
        this.commandApplied(dn, command);
      },
      trace: (dn, text) => {
        this.trace(dn.name, text);
      },
      startServer: (dn, extra_args) => this.startServer(dn, extra_args),
      releaseRole: (dn, primary) => {
        this.#agent_work = true;
        if (primary === null) return Promise.resolve({ ok: true, value: [] }); // a fenced master already
        return Promise.resolve(replicaofServer(dn.node, primary, this.now_ms, this.rng));
      },
    };
  }

  /** Runs `run` after `delay_ms` if the data-node runs (its loop's work settles in the event). */
  toDataNode(dn: SimDataNode, delay_ms: number, run: () => void): void {
    this.at(delay_ms, () => {
      if (!dn.alive) return;
      this.#dataNodeEvent();
      run();
    });
  }

  /**
   * An event reaches a data-node's loop. Its work is synchronous (a `soon` runs in runUntil) but
   * where a port's promise is under way (DataNodeWorld.work) or a command is (a promote waiting
   * for its lease: a grant or a timer wakes it): then runUntil lets the microtasks finish, as for
   * the agents.
   */
  #dataNodeEvent(): void {
    if (this.data_nodes.some((dn) => dn.command !== null)) this.#agent_work = true;
  }

  /** NATS is connected as its status says: the bus edge to the KV (the NATS server) is open. */
  busStatus(dn: SimDataNode): void {
    if (dn.loop !== null) dn.loop.bus_connected = !this.blocked(dn.name, "kv");
  }

  /**
   * The probe port (redis-control.ts's probe in node.ts): one probe of the server (same host). A
   * running server answers at once; a hung one leaves the probe waiting until it resumes (the
   * connection is FIFO: answered then) or the probe times out; a dead one refuses the connection
   * after a round trip. ProbeSchedule shares the probe in flight and feeds its observation on.
   */
  probeServer(dn: SimDataNode): Promise<Observation> {
    const node = dn.node;
    this.#agent_work = true;
    if (node.process === "running") return Promise.resolve(serverObservation(this.nodes, node, this.now_ms));
    const hung = node.process === "hung";
    if (hung) dn.unanswered_since_ms ??= dn.clock(this.now_ms);
    return new Promise<Observation>((resolve) => {
      const answer = (): void => {
        if (dn.probe_answer !== answer) return;
        dn.probe_answer = null;
        this.#agent_work = true;
        resolve(serverObservation(this.nodes, node, this.now_ms));
      };
      dn.probe_answer = answer;
      this.at(dn.simDelay(hung ? DN_PROBE_TIMEOUT_MS : 1), answer);
    });
  }

  crashDataNode(dn: SimDataNode): void {
    if (!dn.alive) return;
    const watchdog = dn.watchdog_own ? dn.watchdog : null;
    dn.crash();
    // Its watchdog reads the end of the pipe: exits if disarmed, keeps its deadline if armed.
    if (watchdog !== null)
      this.stepWatchdogOf(dn, watchdog, { type: "eof", now_ms: dn.hostClock(this.now_ms) });
    if (this.options.keep_log) this.trace(dn.name, "! data-node killed (its redis-server runs on)");
  }

  /** Counts a lease self-fence in the phase it fell in (lease_fences). */
  countLeaseFence(): void {
    if (this.healed) this.lease_fences.healed += 1;
    else if (this.now_ms < this.faults_from_ms) this.lease_fences.quiet += 1;
    else this.lease_fences.faults += 1;
  }

  /** The loop's lease request on the bus: to every agent the bus reaches. */
  publishLeaseRequest(dn: SimDataNode, request: LeaseRequest): void {
    const net = this.options.network;
    for (const agent of this.agents) {
      if (agent.state === null || this.blocked(dn.name, agent.name)) continue;
      if (net.loss > 0 && this.rng.chance(net.loss)) continue;
      this.deliver(agent, this.delay(), null, (now_ms) => ({ type: "lease_request", now_ms, request }));
    }
    this.countLeaseRequest(dn.direct_seq === request.seq, !this.blocked(dn.name, "kv"));
  }

  /** Counts a lease request in lease_requests. */
  countLeaseRequest(direct: boolean, bus_connected: boolean): void {
    this.lease_requests.sent += 1;
    if (!direct) return;
    if (!bus_connected) this.lease_requests.direct_bus_down += 1;
    else if (this.now_ms < this.faults_from_ms) this.lease_requests.direct_quiet += 1;
    else this.lease_requests.direct_bus_up += 1;
  }

  /** Whether a data-node's host and an agent can talk (both directions): the direct channel. */
  directLinked(agent: SimAgent, dn: SimDataNode): boolean {
    return this.linked(agent.name, dn.node.name);
  }

  /** The same request to every agent the host reaches, answered on the same connection. */
  requestLeaseDirect(dn: SimDataNode, request: LeaseRequest): void {
    const net = this.options.network;
    const incarnation = dn.incarnation;
    for (const agent of this.agents) {
      if (agent.state === null || !this.directLinked(agent, dn)) continue;
      if (net.loss > 0 && this.direct_rng.chance(net.loss)) continue;
      const key = `${agent.name}/${request.node_id}/${request.seq}`;
      this.toAgent(agent, null, this.directDelay(), () => {
        if (!this.directLinked(agent, dn)) return;
        this.#direct_pending.set(key, [...(this.#direct_pending.get(key) ?? []), incarnation]);
        agent.loop?.feed({ type: "lease_request", now_ms: this.agentNow(agent), request });
      });
    }
  }

  directDelay(): number {
    const net = this.options.network;
    return this.direct_rng.range(net.delay_min_ms, net.delay_max_ms);
  }

  /**
   * An agent's grant travels to the data-node's grant subject: whichever process of that
   * data-node runs when it arrives counts it (as in node.ts, where the subject is all that binds).
   */
  leaseGrant(agent: SimAgent, grant: LeaseGrant): void {
    const dn = this.data_nodes.find((d) => d.node.name === grant.node_id);
    if (dn === undefined) return;
    const key = `${agent.name}/${grant.node_id}/${grant.seq}`;
    const waiting = this.#direct_pending.get(key);
    if (waiting !== undefined) {
      const [incarnation, ...rest] = waiting;
      if (rest.length === 0) this.#direct_pending.delete(key);
      else this.#direct_pending.set(key, rest);
      this.leaseGrantDirect(agent, dn, grant, incarnation ?? 0);
      return;
    }
    if (this.blocked(agent.name, dn.name)) return;
    const net = this.options.network;
    if (net.loss > 0 && this.rng.chance(net.loss)) return;
    this.toDataNode(dn, this.delay(), () => {
      dn.loop?.grant({ v: PROTOCOL_VERSION, ...grant });
    });
  }

  /** A direct grant: the answer on the request's connection, to the process that asked. */
  leaseGrantDirect(agent: SimAgent, dn: SimDataNode, grant: LeaseGrant, incarnation: number): void {
    const net = this.options.network;
    if (!this.directLinked(agent, dn)) return;
    if (net.loss > 0 && this.direct_rng.chance(net.loss)) return;
    this.toDataNode(dn, this.directDelay(), () => {
      if (dn.incarnation !== incarnation || !this.directLinked(agent, dn)) return;
      dn.loop?.grant({ v: PROTOCOL_VERSION, ...grant });
    });
  }

  /** The data-node's topology watch: the current record, unless it is cut off from the KV. */
  watchDataNode(dn: SimDataNode): void {
    const record = this.kv.record;
    if (record === null || !dn.alive || this.blocked(dn.name, "kv")) return;
    const revision = this.kv.revision;
    const incarnation = dn.incarnation;
    this.toDataNode(dn, this.delay(), () => {
      if (dn.incarnation !== incarnation) return;
      if (dn.committed !== null && revision <= dn.committed.revision) return;
      dn.committed = { record, revision };
      dn.loop?.topologyObserved({ config_epoch: record.config_epoch, primary: record.primary });
      dn.restarter?.onTopology();
    });
  }

  // -------------------------------------------------------------------------------------------
  // The Redis watchdog (core data-node watchdog.ts; data-node-model.ts holds it)

  /** The loop's line to its watchdog (WatchdogPipe.send), the host's watchdog adopted first. */
  feedWatchdog(dn: SimDataNode, line: WatchdogLine | null, server: WatchdogServer | null): void {
    const watchdog = dn.ownWatchdog(server);
    if (watchdog === null || line === null) return;
    // Written and read at once here: the arm's deadline on the host's clock (wireLine) as the service writes it.
    const host_now_ms = dn.hostClock(this.now_ms);
    this.stepWatchdogOf(dn, watchdog, {
      type: "line",
      now_ms: host_now_ms,
      line: wireLine(line, host_now_ms),
    });
  }
  /** One step of a watchdog; a new deadline gets a timer (host clock: the data-node's rate). */
  stepWatchdogOf(dn: SimDataNode, watchdog: SimWatchdog, input: WatchdogInput): void {
    const before = watchdog.state.deadline_ms;
    const step = stepWatchdog(watchdog.state, input);
    watchdog.state = step.state;
    if (step.action === "kill") {
      this.watchdogKill(dn, watchdog);
      return;
    }
    if (step.action === "exit") {
      if (dn.watchdog === watchdog) dn.watchdog = null;
      return;
    }
    if (step.action === "fence") this.orphanFence(dn, watchdog);
    const deadline_ms = watchdog.state.deadline_ms;
    if (deadline_ms === null || deadline_ms === before) return;
    const wait_ms = Math.max(0, Math.ceil((deadline_ms - dn.hostClock(this.now_ms)) / dn.rate));
    this.at(wait_ms, () => {
      if (dn.watchdog !== watchdog) return;
      this.stepWatchdogOf(dn, watchdog, { type: "tick", now_ms: dn.hostClock(this.now_ms) });
    });
  }

  /**
   * The orphan fence (core watchdog.ts): redis-cli's CONFIG SET, one round trip on the host. A
   * running server runs it and answers; a hung one answers nothing before the deadline (redis-cli's
   * timeout), which then kills it; a killed one has nothing left to fence.
   */
  orphanFence(dn: SimDataNode, watchdog: SimWatchdog): void {
    const node = dn.node;
    if (node.process !== "running") return;
    this.at(dn.simDelay(1), () => {
      if (dn.watchdog !== watchdog || node.process !== "running") return;
      node.fenced = true;
      if (this.options.keep_log)
        this.trace(dn.name, `! watchdog fenced ${node.name} (its data-node is gone)`);
      this.report(node);
      this.stepWatchdogOf(dn, watchdog, {
        type: "fence_answer",
        now_ms: dn.hostClock(this.now_ms),
        fenced: true,
      });
    });
  }

  /** The deadline passed armed: SIGKILL, which ends a hung (SIGSTOPped) server too. */
  watchdogKill(dn: SimDataNode, watchdog: SimWatchdog): void {
    if (dn.watchdog === watchdog) dn.watchdog = null;
    const node = dn.node;
    if (node.process === "killed") return;
    if (this.options.keep_log) {
      this.trace(dn.name, `! watchdog killed ${node.name} (armed, no arm or disarm by the deadline)`);
    }
    // A live data-node (its server hung) sees the exit and its restarter restarts it, fenced; a
    // dead one's successor starts it at its start (no fault holds it down).
    this.killNode(node, false);
  }

  // -------------------------------------------------------------------------------------------
  // Process faults

  /**
   * SIGKILL of a server. `held_down`: a fault's kill, the server does not start again before the
   * fault's end (resumeNode), whatever its data-node's restarter decides meanwhile.
   */
  killNode(node: SimNode, held_down = true): void {
    if (node.process === "killed") return;
    node.process = "killed";
    node.fence_queued = false; // the bytes on the connection die with the process
    const dn = this.dataNodeOf(node);
    dn.held_down = held_down;
    // Its watchdog watched that process: it is gone (node.ts detaches it; a new one comes with the
    // next server it starts, resumeNode).
    dn.watchdog = null;
    // As node.ts onChildExit: what the dead process answered says nothing of the next one.
    dn.loop?.serverExited();
    // A probe or a fence waiting on the connection fails with it.
    dn.probe_answer?.();
    this.fenceReply(dn, { ok: false, error: spError("SP_ERR_REDIS_UNAVAILABLE", ["Connection is closed"]) });
    this.#endWaiting(dn, false);
    if (this.options.keep_log) this.trace(node.name, "! killed");
    this.report(node); // the supervising data-node sees the exit at once
    if (dn.alive) dn.restarter?.onExit(); // node.ts onChildExit
  }

  hangNode(node: SimNode): void {
    if (node.process !== "running") return;
    node.process = "hung";
    if (this.options.keep_log) this.trace(node.name, "! hung");
  }

  /**
   * The restarter's start (RestarterHost.startServer): redis-server with its extra arguments, now,
   * or at the end of the fault that holds it down. `--replicaof` another node starts it as that
   * node's replica; `--replicaof` itself (held) starts it as the model's fenced master at once: the
   * model loses no data, so the data check would release it fenced (releaseHeld) anyway.
   */
  startServer(dn: SimDataNode, extra_args: readonly string[]): Promise<void> {
    if (!dn.held_down) {
      this.#spawnServer(dn, extra_args);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      dn.start_waiting = () => {
        this.#spawnServer(dn, extra_args);
        resolve();
      };
    });
  }

  #spawnServer(dn: SimDataNode, extra_args: readonly string[]): void {
    const node = dn.node;
    if (node.process !== "killed") return;
    const [flag, host, port] = extra_args;
    if (flag === "--replicaof" && host !== undefined && port !== undefined) {
      const primary = { host, port: Number(port) };
      if (sameAddr(primary, node.address)) {
        if (this.options.keep_log) {
          this.trace(dn.name, `< restart held (${dn.held_reason ?? "held"}): data intact, released fenced`);
        }
      } else if (node.role !== "slave" || !sameAddr(node.master, primary)) {
        node.role = "slave";
        node.master = primary;
        if (this.options.keep_log) this.trace(dn.name, `< restart as the replica of ${addrText(primary)}`);
      }
    }
    this.#serverStarted(node);
  }

  /**
   * A fault ends: a hung server runs again; a killed one may start again. Its live data-node's
   * restarter starts it (a start that waited for this runs now; else its back-off or its plan
   * decides when); with no data-node running it starts as before (the next data-node's start,
   * simplified).
   */
  resumeNode(node: SimNode): void {
    if (node.process === "running") return;
    if (node.process === "killed") {
      const dn = this.dataNodeOf(node);
      dn.held_down = false;
      if (!dn.alive) {
        this.#serverStarted(node);
        return;
      }
      const start = dn.start_waiting;
      dn.start_waiting = null;
      start?.();
      return;
    }
    if (node.fence_queued) {
      // The data-node's hang fence waits on its connection, but a resumed server runs what waits
      // on all its connections in one pass, in no set order: a client write buffered during the
      // hang may run first (measured: npm run faults -- --shapes stop-primary). So the server
      // takes that write, unfenced, and the fence runs after it (core watchdog.ts watchdogLine).
      node.fence_queued = false;
      node.process = "running";
      if (this.options.keep_log) this.trace(node.name, "! running (a buffered write runs first)");
      this.checker.checkWritable(this.now_ms, this.nodes);
      if (sameAddress(this.clients.view, node.address)) {
        this.clients.writeOnce(this.nodes, this.now_ms, this.rng, this.checker);
      }
      node.fenced = true;
      if (this.options.keep_log) this.trace(this.dataNodeOf(node).name, "! queued fence ran on resume");
      this.fenceReply(this.dataNodeOf(node), { ok: true, value: ["fence ran when the server resumed"] });
    }
    this.#nowRunning(node);
  }

  /** A killed server started again (fenced), by its data-node or at a fault's end. */
  #serverStarted(node: SimNode): void {
    if (node.process !== "killed") return;
    const dn = this.dataNodeOf(node);
    // The data-node that starts the server starts its watchdog (disarmed: the server is fenced).
    if (dn.alive && dn.watchdog_on) dn.spawnWatchdog();
    node.run_id = this.rng.hexId();
    node.started_ms = this.now_ms;
    node.fenced = true; // the data-node starts its server fenced (start_fenced)
    if (node.role === "slave") {
      node.link = "down";
      node.link_down_since_ms = this.now_ms;
    }
    this.#nowRunning(node);
  }

  /** The server runs: what waited on its connection runs, the data-node probes it. */
  #nowRunning(node: SimNode): void {
    node.process = "running";
    if (this.options.keep_log) this.trace(node.name, "! running");
    // The role changes written to the hung server's connection run now, in order.
    this.#endWaiting(this.dataNodeOf(node), true);
    this.checker.checkWriters(this.now_ms, this.nodes);
    this.report(node);
    // The reply to a queued fence (or the first probe of a restarted server) reaches the data-node
    // at once: it settles the fence and disarms its watchdog (node.ts settle, observe) before the
    // deadline of an `arm` sent during the hang. (Without a watchdog the next poll does the same:
    // those runs stay as they were.)
    // A probe waiting on the hung server's connection is answered now (node.ts: the same).
    const dn = this.dataNodeOf(node);
    if (dn.probe_answer !== null) dn.probe_answer();
    else if (dn.watchdog_on) void dn.probes?.probeNow();
  }

  /** The transactions waiting on a hung server's connection: run (resumed) or lost (killed). */
  #endWaiting(dn: SimDataNode, ran: boolean): void {
    if (dn.waiting.length === 0) return;
    this.#agent_work = true;
    endWaiting(dn, ran);
  }

  /** The reply to a fence written to the hung server's connection, if it still waits. */
  fenceReply(dn: SimDataNode, result: Result<string[]>): void {
    const reply = dn.fence_reply;
    if (reply === null) return;
    dn.fence_reply = null;
    this.#agent_work = true;
    reply(result);
  }

  // -------------------------------------------------------------------------------------------
  // Liveness

  /** Null when settled: agents agree on the committed config and exactly one node is master. */
  unsettled(): string | null {
    for (const dn of this.data_nodes) if (!dn.alive) return `data-node ${dn.name} is down`;
    const record = this.kv.record;
    const epoch = record?.config_epoch ?? 0;
    const primary = record?.primary ?? this.primaryAddress;
    for (const agent of this.agents) {
      if (agent.state === null) return `${agent.name} is down`;
      const view = masterView(agent.state, this.options.master_name);
      if (view === null) return `${agent.name} does not monitor ${this.options.master_name}`;
      if (view.config_epoch !== epoch || !sameAddr(view.address, primary)) {
        return `${agent.name} has epoch ${view.config_epoch} ${addrText(view.address)}, committed ${epoch} ${addrText(primary)}`;
      }
      if (view.failover_state !== "none") return `${agent.name} is in failover state ${view.failover_state}`;
    }
    const masters = this.nodes.filter((n) => n.role === "master");
    if (masters.length !== 1)
      return `${masters.length} redis nodes are master: ${masters.map((n) => n.name).join(" ")}`;
    const only = masters[0];
    if (only === undefined || !sameAddr(only.address, primary))
      return `the master is not the committed primary`;
    if (only.fenced) return `the primary ${only.name} is fenced`;
    return this.vip?.unsettled(primary) ?? null;
  }
}
