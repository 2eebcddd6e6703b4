// One run of one fault shape on a real cluster in network namespaces (NetnsCluster: h1..h3 run
// redis-server under a data-node and a sentinel-agent, h4 runs nats-server, c1 is the client):
// start, wait until ready, start the probes (one per data host: samples and a local writer) and
// the client writer (c1, finds the primary through the agents), inject the fault, wait for the
// failover when the shape expects one, hold, heal, wait until every agent, data-node and replica
// converged, stop the writers, read which keys the final primary holds, and judge (checker.ts).
// A shape with `vip` also runs a vip-manager per data host (the built-in VIP) and the probes
// sample which hosts hold the VIP; the other shapes start none, so their timings do not change.
// Everything runs inside the lab; the harness itself only starts processes with `ip netns exec`
// and reads their stdout. Teardown (by PID, then the namespaces) happens even when a step fails.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { LabProcess } from "@sentinel-plane/testkit/netns";
import type { NetnsDataHost, TapEvent } from "@sentinel-plane/testkit/netns-cluster";
import {
  JsonLines,
  NetnsCluster,
  REDIS_PORT,
  SENTINEL_PORT,
  wallClock_ms,
} from "@sentinel-plane/testkit/netns-cluster";
import type { FinalState, RedisFinal, Verdict } from "./checker.js";
import { convergenceProblems, safetyViolations, verdict } from "./checker.js";
import type { AckLine, ProbeLine, SampleLine, VipLine } from "./lines.js";
import { FENCE_MARKER, sleep } from "./lines.js";
import type { FaultShape } from "./shapes.js";

const PROBE_MAIN = fileURLToPath(new URL("./probe.ts", import.meta.url));
const CLIENT_MAIN = fileURLToPath(new URL("./client-writer.ts", import.meta.url));
const TSX_URL = import.meta.resolve("tsx");

export interface FaultSettings {
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  readonly sample_interval_ms: number;
  readonly write_interval_ms: number;
  /** Writes before the fault, so the loss of a healthy cluster is visible as 0. */
  readonly warmup_ms: number;
  /** How long the fault lasts after the failover (or after the injection, without one). */
  readonly hold_ms: number;
  /** Writes after convergence: the new primary must take them. */
  readonly tail_ms: number;
  readonly step_timeout_ms: number;
  readonly converge_timeout_ms: number;
  /** One process's start-up (tsx compiles on the fly; the machine is shared). */
  readonly start_timeout_ms: number;
  /** The vip-managers' timings, for shapes with a VIP (as test/vip-failover.serial.test.ts). */
  readonly vip_manager: {
    readonly lease_ms: number;
    readonly reconcile_interval_ms: number;
    readonly kv_timeout_ms: number;
  };
}

export const DEFAULT_SETTINGS: FaultSettings = {
  down_after_ms: 1000,
  failover_timeout_ms: 5000,
  sample_interval_ms: 15,
  write_interval_ms: 10,
  warmup_ms: 1000,
  hold_ms: 2000,
  tail_ms: 1000,
  step_timeout_ms: 30_000,
  converge_timeout_ms: 40_000,
  start_timeout_ms: 120_000,
  vip_manager: { lease_ms: 2000, reconcile_interval_ms: 250, kv_timeout_ms: 500 },
};

/** The VIP of a lab on `subnet` (its hosts are .11-.14 and .101). */
export function vipAddress(subnet: string): string {
  return `${subnet}.50`;
}

/** What a shape acts on. */
export interface FaultContext {
  readonly cluster: NetnsCluster;
  readonly settings: FaultSettings;
  /** The primary when the fault begins (h1). */
  readonly primary: NetnsDataHost;
  readonly replicas: readonly NetnsDataHost[];
  /** Tap index taken just before the fault: events of this run only. */
  readonly mark: number;
  /** Drops every packet between `host` and the addresses of `peers` (iptables, in host's namespace). */
  drop(host: string, peers: readonly string[]): Promise<void>;
  /** The first event since the fault that matches. */
  waitForEvent(match: (event: WireEventMessage) => boolean): Promise<TapEvent>;
  /** The data host of an agent id (an event's `agent`). */
  hostOfAgent(agent: string): NetnsDataHost;
  /** `SENTINEL FAILOVER <master>` sent to the agent of `host`. */
  sentinelFailover(host: string): Promise<void>;
  /** Keeps a note in the run's record (what was killed, when). */
  note(text: string): void;
  /**
   * The fault's instant (wall clock), when it is not the start of `inject` (a shape that first
   * reads a PID, on a loaded machine, seconds before it sends the signal).
   */
  faultAt(t_ms: number): void;
}

export interface RunResult {
  readonly shape: string;
  readonly fault_ms: number;
  /** +switch-master after the fault (ms), null when there was none. */
  readonly switch_after_ms: number | null;
  readonly verdict: Verdict;
  readonly notes: readonly string[];
  readonly samples: number;
  readonly acks: number;
  /** VIP samples (0 without a VIP). */
  readonly vip_samples: number;
}

export function labPrefix(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  let suffix = "";
  for (const byte of randomBytes(5)) suffix += alphabet[byte % alphabet.length] ?? "a";
  return `fau${suffix}`;
}

/** Sends a signal by PID (a process that is gone already is fine). */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** Clusters of runs in progress, for `teardownLive` (an interrupted matrix). */
const live = new Set<NetnsCluster>();

/** Tears down every cluster still running (SIGINT/SIGTERM of the matrix). */
export async function teardownLive(): Promise<void> {
  for (const cluster of live) {
    live.delete(cluster);
    await cluster.teardown();
  }
}

/** One run of `shape`; the subnet keeps concurrent labs (other test files) apart. */
export async function runShape(
  shape: FaultShape,
  subnet: string,
  settings = DEFAULT_SETTINGS,
): Promise<RunResult> {
  const vip = shape.vip === true ? vipAddress(subnet) : null;
  const cluster = await NetnsCluster.start({
    subnet,
    prefix: labPrefix(),
    down_after_ms: settings.down_after_ms,
    failover_timeout_ms: settings.failover_timeout_ms,
    vip: vip === null ? null : { address: vip, prefix_length: 24, ...settings.vip_manager },
    // As `sentinel-plane up` deploys it: the data-nodes' lease also over the agents' REST ports.
    failsafe: true,
    start_timeout_ms: settings.start_timeout_ms,
  });
  live.add(cluster);
  // Set when a shape stopped a process: SIGCONT before teardown, so a kill by PID is not queued.
  const stopped = new Set<number>();
  try {
    // Started before the cluster is ready, so their start-up overlaps the agents' discovery.
    const writers = startWriters(cluster, settings, vip);
    await cluster.ready(settings.start_timeout_ms);
    const result = await observe(cluster, writers, shape, settings, stopped, vip);
    // Whatever the shape's expectation, the logs of a run that broke an invariant say why.
    const bound_ms = settings.down_after_ms + settings.failover_timeout_ms;
    if (process.env["SP_FAULTS_DUMP"] === "1" && safetyViolations(result.verdict, bound_ms).length > 0) {
      cluster.dump();
    }
    return result;
  } catch (error) {
    if (process.env["SP_FAULTS_DUMP"] === "1") cluster.dump();
    throw error;
  } finally {
    for (const pid of stopped) signal(pid, "SIGCONT");
    if (live.delete(cluster)) await cluster.teardown();
  }
}

interface Writers {
  readonly probes: readonly LinesProcess[];
  readonly client: LinesProcess;
}

interface LinesProcess {
  readonly process: LabProcess;
  readonly lines: JsonLines<ProbeLine>;
}

function startWriters(cluster: NetnsCluster, settings: FaultSettings, vip: string | null): Writers {
  const probes = cluster.hosts.map((host) =>
    spawnLines(cluster, host.name, [
      PROBE_MAIN,
      host.name,
      String(REDIS_PORT),
      String(settings.sample_interval_ms),
      String(settings.write_interval_ms),
      ...(vip === null ? [] : [vip]),
    ]),
  );
  const client = spawnLines(cluster, cluster.client_host, [
    CLIENT_MAIN,
    cluster.master_name,
    String(REDIS_PORT),
    String(SENTINEL_PORT),
    String(settings.write_interval_ms),
    ...cluster.hosts.map((h) => `${h.name}=${h.address}`),
  ]);
  return { probes, client };
}

async function observe(
  cluster: NetnsCluster,
  { probes, client }: Writers,
  shape: FaultShape,
  settings: FaultSettings,
  stopped: Set<number>,
  vip: string | null,
): Promise<RunResult> {
  const all = [...probes, client];
  const primary = cluster.initial_primary;
  const since_ms = wallClock_ms();
  // The primary takes writes (the data-nodes start their servers fenced) and every probe samples.
  await Promise.all([
    ...probes.map((p) => p.lines.waitFor((l) => l.type === "sample", settings.start_timeout_ms)),
    all[0]?.lines.waitFor(
      (l) => l.type === "ack" && l.node === primary.name && l.t_ms > since_ms,
      settings.start_timeout_ms,
    ),
    client.lines.waitFor((l) => l.type === "ack", settings.start_timeout_ms),
  ]);
  // A window of healthy writes before the fault (observation, not synchronisation).
  await sleep(settings.warmup_ms);

  const notes: string[] = [];
  const mark = cluster.mark();
  const context: FaultContext = {
    cluster,
    settings,
    primary,
    replicas: cluster.hosts.filter((h) => h !== primary),
    mark,
    drop: (host, peers) => {
      drop(cluster, host, peers);
      return Promise.resolve();
    },
    waitForEvent: (match) =>
      cluster.waitForEvent(match, { timeout_ms: settings.step_timeout_ms, since_index: mark }),
    hostOfAgent: (agent) => {
      const host = cluster.hosts.find((h) => h.myid === agent);
      assert.ok(host !== undefined, `no host runs agent ${agent}`);
      return host;
    },
    sentinelFailover: async (host) => {
      const h = cluster.host(host);
      const result = await cluster.lab.execChecked(host, [
        "redis-cli",
        "-h",
        h.address,
        "-p",
        String(SENTINEL_PORT),
        "SENTINEL",
        "FAILOVER",
        cluster.master_name,
      ]);
      assert.equal(result.stdout.trim(), "OK", `SENTINEL FAILOVER on ${host}: ${result.stdout}`);
    },
    note: (text) => {
      notes.push(`${Math.round(wallClock_ms() - fault_ms)} ms: ${text}`);
    },
    faultAt: (t_ms) => {
      fault_ms = t_ms;
    },
  };
  let fault_ms = wallClock_ms();
  await shape.inject(context, stopped);
  let switch_after_ms: number | null = null;
  if (shape.failover !== "none") {
    // A shape that may fail over waits twice the bound for it, not the whole step timeout.
    const timeout_ms =
      shape.failover === "required"
        ? settings.step_timeout_ms
        : 2 * (settings.down_after_ms + settings.failover_timeout_ms);
    const switched = cluster
      .waitForEvent((e) => e.name === "+switch-master", { timeout_ms, since_index: mark })
      .then((e) => e.t_ms - fault_ms);
    if (shape.failover === "required") switch_after_ms = await switched;
    else switch_after_ms = await switched.catch(() => null);
  }
  await sleep(settings.hold_ms);
  await shape.heal(context, stopped);
  const final = await converged(cluster, settings.converge_timeout_ms, vip);
  await sleep(settings.tail_ms);
  const end_ms = wallClock_ms();
  for (const p of all) await p.process.kill();

  const samples: SampleLine[] = [];
  const acks: AckLine[] = [];
  const vip_lines: VipLine[] = [];
  for (const p of all) {
    for (const line of p.lines.lines) {
      if (line.type === "sample") samples.push(line);
      else if (line.type === "ack" && line.t_ms <= end_ms) acks.push(line);
      else if (line.type === "vip") vip_lines.push(line);
    }
  }
  const primary_now = finalPrimary(final);
  const present = primary_now === null ? new Set<string>() : await keysOn(cluster, primary_now);
  return {
    shape: shape.name,
    fault_ms,
    switch_after_ms,
    verdict: verdict({
      samples,
      acks,
      present,
      fault_ms,
      end_ms,
      final,
      vip: vip === null ? null : vip_lines,
    }),
    notes,
    samples: samples.length,
    acks: acks.length,
    vip_samples: vip_lines.length,
  };
}

function spawnLines(cluster: NetnsCluster, host: string, argv: readonly string[]): LinesProcess {
  const proc = cluster.lab.spawn(host, [process.execPath, "--import", TSX_URL, ...argv]);
  assert.ok(proc.child.stdout !== null);
  return { process: proc, lines: new JsonLines<ProbeLine>(proc.child.stdout, `${host} ${argv[0] ?? ""}`) };
}

function drop(cluster: NetnsCluster, host: string, peers: readonly string[]): void {
  const addresses = peers.map((p) => cluster.lab.node(p).address);
  const rules = [
    "*filter",
    ...addresses.flatMap((a) => [`-A INPUT -s ${a} -j DROP`, `-A OUTPUT -d ${a} -j DROP`]),
    "COMMIT",
    "",
  ].join("\n");
  // One iptables-restore: every rule takes effect at once.
  const argv = [...cluster.lab.execPrefix(host), "iptables-restore", "-w", "5", "--noflush"];
  const [file, ...args] = argv;
  assert.ok(file !== undefined);
  const result = spawnSync(file, args, { input: rules, timeout: 10_000, encoding: "utf8" });
  assert.equal(result.status, 0, `iptables-restore in ${host}: ${result.stderr}`);
}

/** Removes every DROP rule `drop` put in `host`'s namespace. */
export async function undrop(cluster: NetnsCluster, host: string): Promise<void> {
  await cluster.lab.execChecked(host, ["iptables", "-w", "5", "-F", "INPUT"]);
  await cluster.lab.execChecked(host, ["iptables", "-w", "5", "-F", "OUTPUT"]);
}

/** Reads every host's final state until it has converged (no event says so: polled). */
async function converged(cluster: NetnsCluster, timeout_ms: number, vip: string | null): Promise<FinalState> {
  const until_ms = performance.now() + timeout_ms;
  for (;;) {
    const state = await finalState(cluster, vip);
    if (convergenceProblems(state).length === 0 || performance.now() > until_ms) return state;
    await sleep(250);
  }
}

async function finalState(cluster: NetnsCluster, vip: string | null): Promise<FinalState> {
  const agents: Record<string, string | null> = {};
  const data_nodes: Record<string, boolean> = {};
  const redis: Record<string, RedisFinal | null> = {};
  const addresses: Record<string, string> = {};
  for (const host of cluster.hosts) {
    addresses[host.name] = host.address;
    data_nodes[host.name] = host.data_node.running;
    const named = await cluster.lab.exec(
      host.name,
      [
        "redis-cli",
        "-h",
        host.address,
        "-p",
        String(SENTINEL_PORT),
        "SENTINEL",
        "GET-MASTER-ADDR-BY-NAME",
        cluster.master_name,
      ],
      2000,
    );
    const first = named.stdout.split("\n")[0]?.trim() ?? "";
    agents[host.name] = named.code === 0 && /^\d+\.\d+\.\d+\.\d+$/.test(first) ? first : null;
    redis[host.name] = await redisFinal(cluster, host.name);
  }
  const vip_holders = vip === null ? null : await cluster.holders(vip);
  return { agents, data_nodes, redis, addresses, vip_holders };
}

async function redisFinal(cluster: NetnsCluster, host: string): Promise<RedisFinal | null> {
  const cli = ["redis-cli", "-h", "127.0.0.1", "-p", String(REDIS_PORT)];
  const info = await cluster.lab.exec(host, [...cli, "INFO", "replication"], 2000);
  const config = await cluster.lab.exec(host, [...cli, "CONFIG", "GET", "min-replicas-to-write"], 2000);
  if (info.code !== 0 || config.code !== 0) return null;
  const text = info.stdout.replaceAll("\r", "");
  const role = /^role:(\w+)/m.exec(text)?.[1];
  if (role === undefined) return null;
  return {
    role,
    fenced: config.stdout.split("\n")[1]?.trim() === FENCE_MARKER,
    master_host: /^master_host:(.*)$/m.exec(text)?.[1] ?? null,
    link_up: /^master_link_status:up$/m.test(text),
  };
}

function finalPrimary(state: FinalState): string | null {
  const writable = Object.entries(state.redis).filter(
    ([, r]) => r !== null && r.role === "master" && !r.fenced,
  );
  return writable.length === 1 ? (writable[0]?.[0] ?? null) : null;
}

/** The writers' keys the host's Redis holds. */
async function keysOn(cluster: NetnsCluster, host: string): Promise<Set<string>> {
  const result = await cluster.lab.execChecked(
    host,
    ["redis-cli", "-h", "127.0.0.1", "-p", String(REDIS_PORT), "--scan", "--pattern", "f:*"],
    30_000,
  );
  return new Set(
    result.stdout
      .split("\n")
      .map((k) => k.trim())
      .filter((k) => k !== ""),
  );
}
