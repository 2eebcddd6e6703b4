// One seeded simulation run (VOPR): the seed chooses the cluster (3-5 agents, 2-4 redis nodes,
// quorum, timings), the network's loss/duplication/reordering, and a schedule of faults (kills,
// hangs, partitions symmetric or not, KV cut-offs, agent crashes that may cut a step's effects,
// clock jumps) with, in half of the seeds, manual failovers (`failover` admin commands, some to a
// chosen replica) issued among the faults. In about 30% of the seeds a pre-promote hook is
// configured (its own PRNG stream, so other seeds replay as before); each run of it succeeds, fails,
// hangs or never reports, as the world's PRNG decides (world.ts). A client writes all along
// (clients.ts). Every redis node has a data-node running the data-node's rules (data-node-model.ts);
// the faults also cut a primary from its peers while it keeps the bus (issue 13's asymmetric
// partition), cut a data-node from the bus, kill and restart a data-node while its redis-server runs
// on, and in about 30 % of the seeds data-node clocks drift within the lease's clock-rate margin.
// In about 30 % of the seeds the bus (NATS) also goes down for a while (issue 15, failsafe): for
// everyone, for one data-node only, or for a minority of the agents; agent-to-host links stay, so
// the data-nodes' direct lease requests (failsafe) reach the agents. Drawn from a stream of their
// own: the other seeds' fault mix stays as it was. A vip-manager (its own loop, vip-model.ts) runs
// on every data host; in 60 % of the seeds the VIP holder's manager is SIGKILLed and restarted
// (again a stream of its own).
// Phase 1 runs the faults with the safety checkers on; phase 2 heals everything and runs until the
// cluster settles (liveness) or a deadline passes (a violation).
import { LEASE_CLOCK_RATE_MARGIN } from "@sentinel-plane/core";
import type { AgentTiming, MasterSettings, PrePromoteHook } from "@sentinel-plane/core";
import { Violation } from "./checkers.js";
import { Prng } from "./prng.js";
import { World } from "./world.js";
import type { SimAgent, StepFn, WorldOptions } from "./world.js";
import type { SelfFenceRule } from "./data-node-model.js";
import { addrText } from "./redis-model.js";
import type { SimNode } from "./redis-model.js";

export interface RunOptions {
  readonly seed: number;
  readonly keep_log?: boolean;
  readonly step?: StepFn;
  /** Simulated length of the fault phase (default: 6-14 s chosen by the seed). */
  readonly fault_ms?: number;
  /** The data-nodes' self-fence rule (default: the production one). */
  readonly self_fence?: SelfFenceRule;
  /**
   * Whether the fault mix kills data-nodes (default true). A dead data-node cannot fence its
   * server: the Redis watchdog (watchdog option) kills it at its lease's end instead.
   */
  readonly data_node_crashes?: boolean;
  /**
   * The bus fault (failsafe): drawn per seed (default), forced to one shape on every seed, or
   * none. Forcing one keeps the same draws, so the rest of the fault mix stays the seed's.
   */
  readonly bus_fault?: BusFault | "drawn" | "none";
  /** The data-nodes' failsafe (default on, as in the data-node). */
  readonly failsafe?: boolean;
  /**
   * The Redis watchdog beside each server (default on, as the data-node's supervise.watchdog).
   * Off, a primary whose data-node died stays writable past its lease (`--watchdog off`).
   */
  readonly watchdog?: boolean;
  /**
   * The vip-managers (vip-model.ts): on by default, with the production rules; a test may break
   * one (`rule`, `deaf_probe`), "off" runs none.
   */
  readonly vip?: NonNullable<WorldOptions["vip"]> | "off";
}

export interface RunResult {
  readonly seed: number;
  readonly violation: Violation | null;
  readonly log: readonly string[];
  readonly sim_ms: number;
  readonly steps: number;
  readonly elections: number;
  /** Promotions after a fence, checked for lost writes. */
  readonly switchovers: number;
  /** Client writes acknowledged / refused (fenced, demoted or down). */
  readonly writes_acked: number;
  readonly writes_refused: number;
  /** Pre-promote hooks run, and failed results delivered (exit, timeout). */
  readonly hooks_run: number;
  readonly hooks_failed: number;
  /**
   * How long after healing one writable primary that every agent agrees on was in place (to the
   * settle check's 500 ms); null when a violation came first.
   */
  readonly settled_ms: number | null;
  /** Lease self-fences after a held lease ran out (world.ts lease_fences), by phase. */
  readonly lease_fences: { readonly quiet: number; readonly faults: number; readonly healed: number };
  /** Lease requests sent and those also sent directly (world.ts lease_requests). */
  readonly lease_requests: {
    readonly sent: number;
    readonly direct_quiet: number;
    readonly direct_bus_up: number;
    readonly direct_bus_down: number;
  };
}

/** Share of seeds whose data-node clocks drift (each data-node's rate drawn on its own). */
const CLOCK_DRIFT_SHARE = 0.3;

/**
 * Data-node clock rates, from a stream of their own: 1, or at most the ADR's margin off, either way
 * (a slow clock makes a lease last longer in real time: 1 / (1 + margin) is the slowest allowed).
 */
function chooseClockRates(seed: number, nodes: number): number[] {
  const rng = new Prng((seed ^ 0x68e31da4) >>> 0);
  if (!rng.chance(CLOCK_DRIFT_SHARE)) return Array.from({ length: nodes }, () => 1);
  const slowest = 1 / (1 + LEASE_CLOCK_RATE_MARGIN);
  return Array.from({ length: nodes }, () =>
    rng.pick([slowest, slowest, 1 / (1 + LEASE_CLOCK_RATE_MARGIN / 2), 1, 1 + LEASE_CLOCK_RATE_MARGIN]),
  );
}

/** Share of seeds with a pre-promote hook configured. */
const PRE_PROMOTE_SHARE = 0.3;

/** The seed's pre-promote hook, drawn from a stream of its own (other choices stay as they were). */
function choosePrePromote(seed: number): PrePromoteHook | undefined {
  const rng = new Prng((seed ^ 0x2545f491) >>> 0);
  if (!rng.chance(PRE_PROMOTE_SHARE)) return undefined;
  return { script: "/sim/pre-promote", timeout_ms: rng.pick([300, 1000, 3000]) };
}

export const HEAL_DEADLINE_MS = 60_000;
const WARMUP_MS = 3000;
const SETTLE_CHECK_MS = 500;
const SETTLED_CHECKS = 3;

export function simTiming(): AgentTiming {
  return {
    // The agent's default (sentinel-agent service.ts): the write lease's grant window counts from
    // the last PONG, so a slower PING than production's would starve the data-nodes' leases.
    ping_period_ms: 100,
    info_period_ms: 2000,
    info_period_fast_ms: 500,
    hello_period_ms: 1000,
    opinion_max_age_ms: 3000,
    tilt_trigger_ms: 1000,
    tilt_period_ms: 3000,
    probe_timeout_ms: 300,
  };
}

function chooseSettings(rng: Prng, agents: number): MasterSettings {
  return {
    quorum: rng.range(1, agents),
    down_after_ms: rng.pick([500, 1000, 2000]),
    failover_timeout_ms: rng.pick([3000, 5000, 8000]),
    parallel_syncs: rng.range(1, 2),
    master_reboot_down_after_period_ms: rng.pick([0, 0, 1000]),
    election_timeout_ms: rng.pick([200, 400, 600]),
    // Anti-flapping off: the simulated ticks carry no wall clock, and the liveness checks expect
    // every ODOWN to be followed by a failover.
    failover_block_period_ms: 0,
  };
}

function nodeAddresses(count: number): { host: string; port: number }[] {
  return Array.from({ length: count }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 6379 }));
}

export function buildWorld(options: RunOptions): { world: World; fault_ms: number } {
  const rng = new Prng(options.seed);
  const agents = rng.range(3, 5);
  const nodes = rng.range(2, 4);
  const lossy = rng.chance(0.5);
  const pre_promote = choosePrePromote(options.seed);
  const world = new World({
    seed: options.seed,
    agents,
    node_addresses: nodeAddresses(nodes),
    master_name: "mymaster",
    settings: chooseSettings(rng, agents),
    timing: simTiming(),
    network: {
      loss: lossy ? rng.pick([0.01, 0.05, 0.1]) : 0,
      duplicate: lossy ? rng.pick([0, 0.02, 0.05]) : 0,
      reorder: rng.pick([0, 0.05, 0.2]),
      delay_min_ms: 1,
      delay_max_ms: rng.pick([5, 20, 60]),
    },
    priorities: Array.from({ length: nodes }, (_, i) => (i > 0 && rng.chance(0.15) ? 0 : 100)),
    keep_log: options.keep_log ?? false,
    ...(options.step === undefined ? {} : { step: options.step }),
    ...(options.self_fence === undefined ? {} : { self_fence: options.self_fence }),
    ...(pre_promote === undefined ? {} : { pre_promote }),
    data_node_clock_rates: chooseClockRates(options.seed, nodes),
    failsafe: options.failsafe ?? true,
    watchdog: options.watchdog ?? true,
    ...(options.vip === "off" ? {} : { vip: options.vip ?? {} }),
  });
  return { world, fault_ms: options.fault_ms ?? rng.range(6000, 14000) };
}

/** Runs one seed; violations are returned (with the replay command in their message). */
export async function runSeed(options: RunOptions): Promise<RunResult> {
  const { world, fault_ms } = buildWorld(options);
  let violation: Violation | null = null;
  let settled_ms: number | null = null;
  try {
    world.start();
    await world.runUntil(WARMUP_MS);
    scheduleFaults(world, WARMUP_MS, fault_ms, options.data_node_crashes ?? true, options.bus_fault);
    await world.runUntil(WARMUP_MS + fault_ms);
    heal(world);
    settled_ms = await runUntilSettled(world, WARMUP_MS + fault_ms);
  } catch (error) {
    if (!(error instanceof Violation)) throw error;
    violation = error;
  }
  return {
    seed: options.seed,
    violation,
    log: world.log,
    sim_ms: world.now_ms,
    steps: world.steps,
    elections: world.checker.elections,
    switchovers: world.checker.switchovers,
    writes_acked: world.clients.acked,
    writes_refused: world.clients.refused,
    hooks_run: world.checker.hooks_run,
    hooks_failed: world.checker.hooks_failed,
    settled_ms,
    lease_fences: { ...world.lease_fences },
    lease_requests: { ...world.lease_requests },
  };
}

/** Returns how long after healing the cluster was first seen settled (for good: checks in a row). */
async function runUntilSettled(world: World, heal_start_ms: number): Promise<number> {
  let settled = 0;
  let reason: string | null = "not checked";
  for (let t = heal_start_ms + SETTLE_CHECK_MS; t <= heal_start_ms + HEAL_DEADLINE_MS; t += SETTLE_CHECK_MS) {
    await world.runUntil(t);
    reason = world.unsettled();
    settled = reason === null ? settled + 1 : 0;
    if (settled >= SETTLED_CHECKS) return t - heal_start_ms - (SETTLED_CHECKS - 1) * SETTLE_CHECK_MS;
  }
  world.checker.fail(
    world.now_ms,
    `not settled ${HEAL_DEADLINE_MS} ms after healing: ${reason ?? "flapping"}`,
  );
}

/** Phase 2: every fault ends; the network becomes reliable. */
export function heal(world: World): void {
  if (world.options.keep_log) world.trace("sim", "! heal");
  const net = world.options.network;
  net.loss = 0;
  net.duplicate = 0;
  net.reorder = 0;
  world.healNetwork();
  for (const node of world.nodes) world.resumeNode(node);
  for (const dn of world.data_nodes) if (!dn.alive) world.startDataNode(dn);
  world.vip?.restartAll();
  // Clock offsets stay: TILT must end on its own.
  for (const agent of world.agents) {
    agent.crash_pending = false;
    if (agent.state === null) world.startAgent(agent);
  }
  world.healed = true;
}

export function scheduleFaults(
  world: World,
  start_ms: number,
  length_ms: number,
  data_node_crashes = true,
  bus_fault: BusFault | "drawn" | "none" = "drawn",
): void {
  const rng = world.rng;
  world.faults_from_ms = start_ms;
  const manual = rng.chance(0.5) ? rng.range(1, 2) : 0;
  for (let i = 0; i < manual; i += 1) {
    const at_ms = start_ms + rng.int(Math.max(1, length_ms - 500));
    world.queue.push(at_ms, () => {
      if (!world.healed) manualFailover(world);
    });
  }
  const count = rng.range(1, 6);
  for (let i = 0; i < count; i += 1) {
    const at_ms = start_ms + rng.int(Math.max(1, length_ms - 500));
    const duration_ms = rng.range(300, 6000);
    const kind = rng.int(12);
    if (kind === DATA_NODE_CRASH && !data_node_crashes) continue; // same draws: the rest stays
    world.queue.push(at_ms, () => {
      if (!world.healed) injectFault(world, kind, duration_ms);
    });
  }
  scheduleBusFault(world, start_ms, length_ms, bus_fault);
  scheduleVipFaults(world, start_ms, length_ms);
}

/** Share of seeds where vip-managers are SIGKILLed (test/faults vip-manager-kill). */
const VIP_CRASH_SHARE = 0.6;

/**
 * SIGKILLs of the vip-manager of the host that holds the VIP (any host when none does), each
 * restarted after a while; its address lives on meanwhile, across the failovers the other faults
 * cause. Drawn from a stream of their own: the other faults stay as they were.
 */
function scheduleVipFaults(world: World, start_ms: number, length_ms: number): void {
  const vip = world.vip;
  if (vip === null) return;
  const rng = new Prng((world.options.seed ^ 0x7feb352d) >>> 0);
  if (!rng.chance(VIP_CRASH_SHARE)) return;
  const count = rng.range(1, 3);
  for (let i = 0; i < count; i += 1) {
    const at_ms = start_ms + rng.int(Math.max(1, length_ms - 500));
    const duration_ms = rng.range(500, 6000);
    const fallback = rng.int(vip.managers.length);
    world.queue.push(at_ms, () => {
      if (world.healed) return;
      const holder = vip.holders()[0];
      const index = holder === undefined ? fallback : vip.managers.indexOf(holder);
      noteFault(world, `kill vip-manager v${index + 1}`);
      vip.crash(index);
      endFaultLater(world, duration_ms, () => {
        vip.restart(index);
      });
    });
  }
}

/** Share of seeds with a bus fault (failsafe). */
const BUS_FAULT_SHARE = 0.3;

export const BUS_FAULTS = ["everyone", "one-data-node", "minority-agents"] as const;
export type BusFault = (typeof BUS_FAULTS)[number];

/** The seed's bus fault, drawn from a stream of its own (other choices stay as they were). */
function scheduleBusFault(
  world: World,
  start_ms: number,
  length_ms: number,
  forced: BusFault | "drawn" | "none",
): void {
  const rng = new Prng((world.options.seed ^ 0x1b873593) >>> 0);
  const drawn = rng.chance(BUS_FAULT_SHARE);
  const at_ms = start_ms + rng.int(Math.max(1, length_ms - 500));
  const duration_ms = rng.range(300, 6000);
  const picked = rng.pick<BusFault>(BUS_FAULTS);
  if (forced === "none" || (forced === "drawn" && !drawn)) return;
  const shape = forced === "drawn" ? picked : forced;
  world.queue.push(at_ms, () => {
    if (world.healed) return;
    const ends = busFaultEnds(world, shape, rng);
    const edges = world.busEdges(ends);
    if (world.options.keep_log) world.trace("sim", `! bus down (${shape}): ${ends.join(" ")}`);
    for (const [a, b] of edges) world.block(a, b);
    world.at(duration_ms, () => {
      if (world.healed) return;
      if (world.options.keep_log) world.trace("sim", `! bus back (${shape})`);
      for (const [a, b] of edges) world.unblock(a, b);
    });
  });
}

/** Who loses the bus: everyone; one data-node (mostly the primary's); or a minority of the agents. */
function busFaultEnds(world: World, shape: BusFault, rng: Prng): string[] {
  const agents = world.agents.map((a) => a.name);
  switch (shape) {
    case "everyone":
      return [...agents, ...world.data_nodes.map((d) => d.name)];
    case "one-data-node": {
      const primary = world.nodes.find((n) => n.role === "master" && n.process === "running");
      const node = primary !== undefined && rng.chance(0.7) ? primary : rng.pick(world.nodes);
      return [world.dataNodeOf(node).name];
    }
    case "minority-agents": {
      const minority = Math.max(1, Math.floor((agents.length - 1) / 2));
      const chosen: string[] = [];
      while (chosen.length < minority) {
        const name = rng.pick(agents);
        if (!chosen.includes(name)) chosen.push(name);
      }
      return chosen;
    }
  }
}

/** SENTINEL FAILOVER on a random agent; in a third of the cases to a chosen (any other) node. */
function manualFailover(world: World): void {
  const rng = world.rng;
  const agent = rng.pick(world.agents);
  const master = currentMaster(world);
  const others = world.nodes.filter((n) => n !== master);
  const to = rng.chance(0.33) && others.length > 0 ? rng.pick(others).address : undefined;
  if (world.options.keep_log) {
    world.trace("sim", `! failover on ${agent.name}${to === undefined ? "" : ` to ${addrText(to)}`}`);
  }
  world.admin(agent, {
    type: "failover",
    name: world.options.master_name,
    ...(to === undefined ? {} : { to }),
  });
}

function currentMaster(world: World): SimNode {
  return (
    world.nodes.find((n) => n.role === "master" && n.process === "running") ?? world.rng.pick(world.nodes)
  );
}

/** The fault kind that kills (and later restarts) a data-node. */
const DATA_NODE_CRASH = 11;

/** Starts fault `kind` (a draw of the seed) for `duration_ms`; each kind draws its own targets. */
function injectFault(world: World, kind: number, duration_ms: number): void {
  switch (kind) {
    case 0:
    case 1:
      killPrimary(world, duration_ms);
      break;
    case 2:
      hangNode(world, duration_ms);
      break;
    case 3:
      partitionAgents(world, duration_ms);
      break;
    case 4:
      isolateHost(world, duration_ms);
      break;
    case 5:
      cutAgentFromKv(world, duration_ms);
      break;
    case 6:
    case 7:
      crashAgent(world, duration_ms);
      break;
    case 9:
      cutPrimaryFromPeers(world, duration_ms);
      break;
    case 10:
      cutDataNodeFromBus(world, duration_ms);
      break;
    case DATA_NODE_CRASH:
      crashDataNode(world, duration_ms);
      break;
    default:
      jumpAgentClock(world); // kind 8
  }
}

/** The fault's line in the trace (only when the log is kept). */
function noteFault(world: World, text: string): void {
  if (world.options.keep_log) world.trace("sim", `! ${text}`);
}

/** Ends a fault after `duration_ms`, unless the heal came first (it ends every fault itself). */
function endFaultLater(world: World, duration_ms: number, end: () => void): void {
  world.at(duration_ms, () => {
    if (!world.healed) end();
  });
}

/** Blocks the directed links `edges` now and unblocks them after `duration_ms`. */
function blockLinksFor(world: World, edges: [string, string][], duration_ms: number): void {
  for (const [a, b] of edges) world.block(a, b);
  endFaultLater(world, duration_ms, () => {
    for (const [a, b] of edges) world.unblock(a, b);
  });
}

/** The primary in seven cases of ten, any node otherwise. */
function primaryMostly(world: World): SimNode {
  return world.rng.chance(0.7) ? currentMaster(world) : world.rng.pick(world.nodes);
}

function killPrimary(world: World, duration_ms: number): void {
  const node = currentMaster(world);
  noteFault(world, `kill ${node.name}`);
  world.killNode(node);
  endFaultLater(world, duration_ms, () => {
    world.resumeNode(node);
  });
}

function hangNode(world: World, duration_ms: number): void {
  const node = primaryMostly(world);
  noteFault(world, `hang ${node.name}`);
  world.hangNode(node);
  endFaultLater(world, duration_ms, () => {
    world.resumeNode(node);
  });
}

function partitionAgents(world: World, duration_ms: number): void {
  const edges = partitionEdges(world);
  noteFault(world, `partition ${edges.map(([a, b]) => `${a}>${b}`).join(",")}`);
  blockLinksFor(world, edges, duration_ms);
}

/** The host is cut from some agents: its redis-server and its data-node's bus alike. */
function isolateHost(world: World, duration_ms: number): void {
  const rng = world.rng;
  const node = primaryMostly(world);
  const dn = world.dataNodeOf(node).name;
  const edges: [string, string][] = [];
  for (const agent of world.agents) {
    if (rng.chance(0.7)) {
      edges.push([agent.name, node.name], [node.name, agent.name], [agent.name, dn], [dn, agent.name]);
    }
  }
  noteFault(world, `isolate ${node.name} from ${edges.length / 4} agents`);
  blockLinksFor(world, edges, duration_ms);
}

function cutAgentFromKv(world: World, duration_ms: number): void {
  const agent = world.rng.pick(world.agents);
  noteFault(world, `cut ${agent.name} from kv`);
  blockLinksFor(world, [[agent.name, "kv"]], duration_ms);
}

function crashAgent(world: World, duration_ms: number): void {
  const agent = world.rng.pick(world.agents);
  if (agent.state === null) return;
  noteFault(world, `crash ${agent.name}`);
  agent.crash_pending = true;
  endFaultLater(world, duration_ms, () => {
    restart(world, agent);
  });
}

/**
 * Issue 13's asymmetric partition: the primary's host loses its peers (agents' PING/INFO and
 * replication) but keeps the bus and its clients.
 */
function cutPrimaryFromPeers(world: World, duration_ms: number): void {
  const node = currentMaster(world);
  const edges: [string, string][] = [];
  for (const agent of world.agents) edges.push([agent.name, node.name], [node.name, agent.name]);
  for (const other of world.nodes)
    if (other !== node) edges.push([node.name, other.name], [other.name, node.name]);
  noteFault(world, `cut ${node.name} from its peers (it keeps the bus and its clients)`);
  blockLinksFor(world, edges, duration_ms);
}

/** A data-node cut from the bus (NATS): no grants, commands, reports or topology record. */
function cutDataNodeFromBus(world: World, duration_ms: number): void {
  const node = primaryMostly(world);
  const dn = world.dataNodeOf(node).name;
  const edges: [string, string][] = [[dn, "kv"]];
  for (const agent of world.agents) edges.push([agent.name, dn], [dn, agent.name]);
  noteFault(world, `cut ${dn} from the bus`);
  blockLinksFor(world, edges, duration_ms);
}

/** A data-node killed while its redis-server runs on, restarted soon (issue 13: 0.5 s). */
function crashDataNode(world: World, duration_ms: number): void {
  const rng = world.rng;
  const node = primaryMostly(world);
  const dn = world.dataNodeOf(node);
  if (!dn.alive) return;
  world.crashDataNode(dn);
  const down_ms = rng.chance(0.5) ? rng.range(100, 1000) : duration_ms;
  world.at(down_ms, () => {
    if (world.healed || dn.alive) return;
    noteFault(world, `restart ${dn.name} (it adopts ${node.name})`);
    world.startDataNode(dn);
  });
}

/** An agent's clock jumps forward 2-10 s or back 1-5 s (TILT). */
function jumpAgentClock(world: World): void {
  const rng = world.rng;
  const agent = rng.pick(world.agents);
  const jump_ms = rng.chance(0.5) ? rng.range(2000, 10000) : -rng.range(1000, 5000);
  noteFault(world, `clock ${agent.name} ${jump_ms > 0 ? "+" : ""}${jump_ms} ms`);
  agent.clock_offset_ms += jump_ms;
}

function restart(world: World, agent: SimAgent): void {
  if (agent.state !== null) return;
  if (world.options.keep_log) world.trace("sim", `! restart ${agent.name}`);
  world.startAgent(agent);
}

/** A random split of the agents (and sometimes the nodes and KV with one side), symmetric or not. */
function partitionEdges(world: World): [string, string][] {
  const rng = world.rng;
  const names = world.agents.map((a) => a.name);
  const side = new Map<string, boolean>();
  for (const name of names) side.set(name, rng.chance(0.5));
  const with_nodes = rng.chance(0.5);
  if (with_nodes) {
    for (const [i, node] of world.nodes.entries()) {
      const node_side = rng.chance(0.5);
      side.set(node.name, node_side);
      side.set(world.data_nodes[i]?.name ?? "", node_side); // a host's data-node shares its side
    }
    side.set("kv", rng.chance(0.5));
  }
  const symmetric = rng.chance(0.6);
  const edges: [string, string][] = [];
  for (const [a, a_side] of side) {
    for (const [b, b_side] of side) {
      if (a === b || a_side === b_side) continue;
      const a_agent = names.includes(a);
      const b_agent = names.includes(b);
      const dn_kv = (a === "kv" && b.startsWith("d")) || (b === "kv" && a.startsWith("d"));
      if (!a_agent && !b_agent && !dn_kv) continue; // host-to-host links stay up in this shape
      if (!symmetric && !a_side) continue; // one direction only
      edges.push([a, b]);
    }
  }
  return edges;
}
