// `sentinel-plane up`: one command that installs what is missing, starts a whole cluster on
// loopback (nats-server with JetStream, a primary and two replicas each supervised by a
// data-node, three sentinel-agents, a hooks-only vip-manager), prints the addresses and a live
// topology summary, and on Ctrl-C stops every process it started, by PID, in order. Everything
// lives under one directory, so the next `up` resumes the same cluster.
import { randomBytes } from "node:crypto";
import { resolveEndpoints } from "../client/agents.js";
import type { Endpoint } from "../client/agents.js";
import { CliError, EXIT, describeError } from "../errors.js";
import {
  CLUSTER_FILE_VERSION,
  loadClusterSettings,
  loadRunRecord,
  removeRunRecord,
  saveClusterSettings,
  saveRunRecord,
} from "../state/cluster-state.js";
import type { ClusterSettings, RunProcess } from "../state/cluster-state.js";
import { AGENTS, Layout, REPLICAS } from "../state/layout.js";
import type { Child } from "./child.js";
import {
  followRedisPid,
  START_TIMEOUTS,
  startAgent,
  startDataNode,
  startNats,
  startVipManager,
} from "./components.js";
import { writeClusterFiles } from "./files.js";
import { ensureInstalled } from "./install.js";
import { ensureSentinelPassword } from "./sentinel-password.js";
import { loadNatsSecrets, natsConfFile, natsSecretsFile, NATS_ADMIN_USER } from "./nats-secrets.js";
import type { NatsSecrets } from "./nats-secrets.js";
import { commandOf, groupMembers, isAlive, killAll, recordedLeftovers, startTicks } from "./leftovers.js";
import { busyPorts, choosePorts, DEFAULT_PLAN, LOOPBACK, planFromBase } from "./ports.js";
import { waitReady } from "./readiness.js";
import type { Readiness } from "./readiness.js";
import { TopologyWatch } from "./watch.js";
import { localTlsClient, localTlsFor } from "./local-tls.js";
import type { LocalTls, LocalTlsClient } from "./local-tls.js";

export interface UpOptions {
  readonly dir: string;
  /** null: the well-known ports when free; 0: ephemeral ports; N: a block from N. */
  readonly port_base: number | null;
  readonly master_name: string;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  readonly install: boolean;
  readonly watch: boolean;
  readonly watch_period_ms: number;
  readonly ready_timeout_ms: number;
  /** TLS on every link, with a throwaway CA in <dir>/tls (local-tls.ts); a cluster keeps it. */
  readonly tls?: boolean;
}

const COUNTS = { redis: REPLICAS + 1, agents: AGENTS } as const;
/** Polite stop before SIGKILL: a data-node needs time to stop its redis-server (2 s grace). */
const STOP_GRACE_MS = { agent: 5000, vip_manager: 8000, data_node: 8000, nats: 5000 } as const;
const LEFTOVER_KILL_DEADLINE_MS = 5000;

class Stopped extends Error {}

/** Everything spawned so far (tracked at spawn, before readiness), so a stop at any point stops exactly that. */
interface Running {
  nats: Child | null;
  /** By index (a Map: they start in parallel and register in any order). */
  data_nodes: Map<number, Child>;
  /** redis-server PIDs by data-node index, from the data-nodes' logs. */
  redis_pids: Map<number, number>;
  agents: Map<number, Child>;
  vip_manager: Child | null;
}

function children(running: Running): Child[] {
  const all = [running.nats, ...running.data_nodes.values(), ...running.agents.values(), running.vip_manager];
  return all.filter((c): c is Child => c !== null);
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function step(line: string): void {
  out(`- ${line}`);
}

async function settingsFor(
  layout: Layout,
  options: UpOptions,
): Promise<{ settings: ClusterSettings; resumed: boolean }> {
  const existing = await loadClusterSettings(layout, COUNTS);
  if (existing !== null) {
    const busy = await busyPorts(existing.ports);
    if (busy.length > 0) {
      throw new CliError(
        EXIT.start_failed,
        "CLI_PORTS_BUSY",
        `this cluster's ports ${busy.join(", ")} are in use by another program; stop it, or use another --dir for a new cluster`,
      );
    }
    return { settings: existing, resumed: true };
  }
  const ports = await choosePorts(
    options.port_base === null ? DEFAULT_PLAN : planFromBase(options.port_base),
    COUNTS,
  );
  const settings: ClusterSettings = {
    version: CLUSTER_FILE_VERSION,
    cluster_id: `local-${randomBytes(3).toString("hex")}`,
    master_name: options.master_name,
    quorum: options.quorum,
    down_after_ms: options.down_after_ms,
    failover_timeout_ms: options.failover_timeout_ms,
    rest_token: randomBytes(24).toString("base64url"),
    ports,
    created_at: new Date().toISOString(),
  };
  await saveClusterSettings(layout, settings);
  return { settings, resumed: false };
}

/** Refuses a second `up` on the same directory; kills what a crashed one started and left behind. */
async function takeOver(layout: Layout): Promise<void> {
  const record = await loadRunRecord(layout);
  if (record !== null && record.up_pid !== process.pid && isAlive(record.up_pid)) {
    const command = (await commandOf(record.up_pid)) ?? "";
    if (command.includes("sentinel-plane")) {
      throw new CliError(
        EXIT.start_failed,
        "CLI_ALREADY_RUNNING",
        `a cluster is already running from ${layout.dir} (pid ${record.up_pid}); stop it with Ctrl-C or kill -INT ${record.up_pid}`,
      );
    }
  }
  // Only the processes the earlier `up` recorded, still the same processes (start time).
  const leftovers = recordedLeftovers(record?.processes ?? []);
  if (leftovers.length > 0) {
    step(
      `killing ${leftovers.length} process(es) left by an earlier run: ${leftovers.map((p) => `${p.name}=${p.pid}`).join(" ")}`,
    );
    const alive = await killAll(
      leftovers.map((p) => p.pid),
      LEFTOVER_KILL_DEADLINE_MS,
    );
    if (alive.length > 0)
      throw new CliError(EXIT.start_failed, "CLI_LEFTOVERS", `cannot kill ${alive.join(" ")}`);
  }
  await removeRunRecord(layout);
}

/** Start times by PID, read once while the process runs (the identity kept in the run record). */
const start_ticks = new Map<number, number>();

function own(name: string, pid: number): RunProcess {
  let ticks = start_ticks.get(pid);
  if (ticks === undefined) {
    ticks = startTicks(pid) ?? undefined;
    if (ticks !== undefined) start_ticks.set(pid, ticks);
  }
  return ticks === undefined ? { name, pid } : { name, pid, start_ticks: ticks };
}

function processes(running: Running): RunProcess[] {
  const list: RunProcess[] = [];
  if (running.nats !== null) list.push(own("nats-server", running.nats.pid));
  for (const [i, d] of [...running.data_nodes].sort(([a], [b]) => a - b)) {
    list.push(own(`data-node-${i}`, d.pid));
    const redis = running.redis_pids.get(i);
    if (redis !== undefined) list.push(own(`redis-${i}`, redis));
  }
  for (const [i, a] of [...running.agents].sort(([x], [y]) => x - y)) list.push(own(`agent-${i}`, a.pid));
  if (running.vip_manager !== null) list.push(own("vip-manager", running.vip_manager.pid));
  return list;
}

/** Agents, vip-manager, data-nodes (each stops its redis-server), nats: the reverse of the start. */
async function stopAll(running: Running): Promise<void> {
  await Promise.all([...running.agents.values()].map((a) => a.stop(STOP_GRACE_MS.agent)));
  if (running.vip_manager !== null) await running.vip_manager.stop(STOP_GRACE_MS.vip_manager);
  await Promise.all([...running.data_nodes.values()].map((d) => d.stop(STOP_GRACE_MS.data_node)));
  if (running.nats !== null) await running.nats.stop(STOP_GRACE_MS.nats);
}

function addresses(
  layout: Layout,
  settings: ClusterSettings,
  primary: string,
  tls_dir: string | null,
): string[] {
  const rest = settings.ports.rest.map((p) => `${tls_dir === null ? "http" : "https"}://${LOOPBACK}:${p}`);
  const cli_tls =
    tls_dir === null
      ? ""
      : ` --tls --cacert ${tls_dir}/ca.crt --cert ${tls_dir}/client.crt --key ${tls_dir}/client.key`;
  const redis = settings.ports.redis.map((p) => {
    const address = `${LOOPBACK}:${p}`;
    return address === primary ? `${address} (primary)` : address;
  });
  return [
    `  REST API         ${rest.join("  ")}`,
    `  Web console      ${rest[0] ?? "?"}/ui`,
    `  Swagger UI       ${rest[0] ?? "?"}/docs`,
    `  Sentinel (RESP)  ${settings.ports.sentinel.map((p) => `${LOOPBACK}:${p}`).join("  ")}   master name: ${settings.master_name}`,
    `  Redis            ${redis.join("  ")}`,
    `  NATS             nats://${LOOPBACK}:${settings.ports.nats} (JetStream; user ${NATS_ADMIN_USER}, passwords in ${natsSecretsFile(layout)})`,
    `  REST token       ${settings.rest_token}`,
    `  Sentinel pass    ${settings.sentinel_password ?? "(none)"}   (requirepass of every agent; in ${layout.cluster_file})`,
    `  state and logs   ${layout.dir} (logs in ${layout.logs_dir})`,
    ...(tls_dir === null
      ? []
      : [`  TLS              every link; CA and certificates in ${tls_dir} (keys 0600)`]),
    `  try              redis-cli${cli_tls} -p ${settings.ports.sentinel[0] ?? "?"} -a ${settings.sentinel_password ?? "?"} --no-auth-warning sentinel masters`,
    `                   npx sentinel-plane status --dir ${layout.dir}`,
  ];
}

async function restAnswers(endpoints: readonly Endpoint[]): Promise<number> {
  const results = await Promise.all(
    endpoints.map((e) =>
      e.rest === null
        ? Promise.resolve(false)
        : e.rest.request("GET", "/healthz").then(
            () => true,
            () => false,
          ),
    ),
  );
  return results.filter(Boolean).length;
}

/** Ctrl-C, SIGTERM, SIGHUP: the first asks every step to stop, a second kills everything at once. */
class StopOnSignals {
  /** The signal that asked for the stop; a field, not a `let`: it changes in a handler, across awaits. */
  requested: string | null = null;
  /** Resolves when a stop is requested. */
  readonly requested_once: Promise<void>;
  #wake: () => void = () => undefined;
  readonly #signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  readonly #running: Running;

  constructor(running: Running) {
    this.#running = running;
    this.requested_once = new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    for (const s of this.#signals) process.on(s, this.#onSignal);
  }

  readonly #onSignal = (signal: NodeJS.Signals): void => {
    if (this.requested !== null) {
      // A second Ctrl-C: do not wait for polite stops any more.
      out(`${signal} again: killing everything now`);
      for (const p of processes(this.#running)) {
        try {
          process.kill(-p.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      return;
    }
    this.requested = signal;
    this.#wake();
  };

  /** A start step, abandoned as soon as a stop is requested. */
  during<T>(promise: Promise<T>): Promise<T> {
    // The step may still finish: its process is tracked by `running` once it resolves.
    const stopped = this.requested_once.then((): never => {
      throw new Stopped();
    });
    return Promise.race([promise, stopped]);
  }

  release(): void {
    for (const s of this.#signals) process.off(s, this.#onSignal);
  }
}

/** What a start needs beyond its options: the settings, NATS users and TLS, written to disk. */
interface Prepared {
  readonly settings: ClusterSettings;
  readonly secrets: NatsSecrets;
  readonly tls: LocalTls | null;
  readonly tls_client: LocalTlsClient | null;
}

/** Chooses or resumes the settings, NATS users and TLS; writes every file and an empty run record. */
async function prepareCluster(layout: Layout, options: UpOptions): Promise<Prepared> {
  const chosen = await settingsFor(layout, options);
  const settings = await ensureSentinelPassword(layout, chosen.settings);
  const resumed = chosen.resumed;
  step(
    resumed
      ? `resuming cluster ${settings.cluster_id} (created ${settings.created_at})`
      : `new cluster ${settings.cluster_id}: ports chosen and saved in ${layout.cluster_file}`,
  );
  const secrets = await loadNatsSecrets(layout, COUNTS);
  step(
    `NATS users per process (authorization on): passwords in ${natsSecretsFile(layout)}, server config ${natsConfFile(layout)} (both 0600)`,
  );
  const tls = await localTlsFor(layout, options.tls ?? false, resumed);
  if (tls !== null) step(`TLS on every link: throwaway CA and certificates in ${tls.dir}`);
  const tls_client = tls === null ? null : await localTlsClient(tls);
  await writeClusterFiles(layout, settings, COUNTS, secrets, tls);
  await saveRunRecord(layout, { up_pid: process.pid, started_at: new Date().toISOString(), processes: [] });
  return { settings, secrets, tls, tls_client };
}

/** The run record names every process started so far (the next `up` kills what a crash left). */
function recordRunning(layout: Layout, running: Running): Promise<void> {
  return saveRunRecord(layout, {
    up_pid: process.pid,
    started_at: new Date().toISOString(),
    processes: processes(running),
  });
}

/** nats-server, the data-nodes, the agents, the vip-manager: each group in parallel, the groups in order. */
async function startProcesses(
  layout: Layout,
  prepared: Prepared,
  running: Running,
  stop: StopOnSignals,
): Promise<void> {
  const { settings, secrets } = prepared;
  const nats = await stop.during(
    startNats(layout, settings, START_TIMEOUTS, (c) => {
      running.nats = c;
    }),
  );
  step(`nats-server (JetStream) on ${LOOPBACK}:${settings.ports.nats}  pid ${nats.pid}`);
  await recordRunning(layout, running);
  // Each group starts in parallel (a tsx start costs seconds); the groups in order.
  const nodes = await stop.during(
    Promise.all(
      Array.from({ length: COUNTS.redis }, (_, i) =>
        startDataNode(layout, i, START_TIMEOUTS, (c) => {
          running.data_nodes.set(i, c);
          followRedisPid(c, (pid) => running.redis_pids.set(i, pid));
        }),
      ),
    ),
  );
  for (const [i, node] of nodes.entries()) {
    step(
      `redis-server ${LOOPBACK}:${settings.ports.redis[i] ?? "?"} supervised by data-node-${i}  pids ${node.pid}/${String(running.redis_pids.get(i) ?? "?")}`,
    );
  }
  await recordRunning(layout, running);
  const agents = await stop.during(
    Promise.all(
      Array.from({ length: COUNTS.agents }, (_, i) =>
        startAgent(layout, i, secrets, START_TIMEOUTS, (c) => {
          running.agents.set(i, c);
        }),
      ),
    ),
  );
  for (const [i, agent] of agents.entries()) {
    step(
      `sentinel-agent-${i}: Sentinel port ${LOOPBACK}:${settings.ports.sentinel[i] ?? "?"}, REST ${LOOPBACK}:${settings.ports.rest[i] ?? "?"}  pid ${agent.pid}`,
    );
  }
  await recordRunning(layout, running);
  const vip = await stop.during(
    startVipManager(layout, START_TIMEOUTS, (c) => {
      running.vip_manager = c;
    }),
  );
  step(`vip-manager (hooks only, no VIP on loopback)  pid ${vip.pid}`);
  await recordRunning(layout, running);
}

/** Waits until the agents agree on a primary that takes writes; reports the REST API. */
async function awaitClusterReady(
  layout: Layout,
  options: UpOptions,
  prepared: Prepared,
  stop: StopOnSignals,
): Promise<{ endpoints: Endpoint[]; ready: Readiness }> {
  const { settings, tls_client } = prepared;
  const endpoints = resolveEndpoints(
    {
      agents: [],
      sentinels: [],
      token: null,
      timeout_ms: 1000,
      ...(tls_client === null ? {} : { local_tls: tls_client }),
    },
    settings,
  );
  step("waiting for the agents to agree on the primary and for it to take writes");
  const ready = await stop.during(
    waitReady(
      endpoints,
      settings.master_name,
      REPLICAS,
      options.ready_timeout_ms,
      () => stop.requested !== null,
      tls_client,
    ),
  );
  if (ready === null) {
    throw new CliError(
      EXIT.start_failed,
      "CLI_NOT_READY",
      `the cluster did not become ready within ${options.ready_timeout_ms} ms; see the logs in ${layout.logs_dir}`,
    );
  }
  const rest_up = await restAnswers(endpoints);
  step(
    rest_up > 0
      ? `REST API answering on ${rest_up}/${endpoints.length} agents`
      : "REST API not answering (yet): commands fall back to the Sentinel port",
  );
  return { endpoints, ready };
}

function printReady(
  layout: Layout,
  prepared: Prepared,
  running: Running,
  ready: Readiness,
  began_ms: number,
): void {
  const { settings, tls } = prepared;
  out("");
  for (const line of addresses(layout, settings, ready.primary, tls?.dir ?? null)) out(line);
  out(
    `pids: ${processes(running)
      .map((p) => `${p.name}=${p.pid}`)
      .join(" ")}`,
  );
  out(
    `ready: cluster ${settings.cluster_id} up in ${((performance.now() - began_ms) / 1000).toFixed(1)} s, primary ${ready.primary}, ${ready.replicas} replicas, ${COUNTS.agents} agents`,
  );
  out("");
}

/** A child that exits while no stop was asked is reported (and the live summary stops redrawing). */
function reportUnexpectedExits(
  layout: Layout,
  running: Running,
  stop: StopOnSignals,
  onExit: () => void,
): void {
  for (const child of children(running)) {
    void child.exited.then((exit) => {
      if (stop.requested !== null) return;
      onExit();
      out(
        `! ${child.name} (pid ${child.pid}) exited: code ${String(exit.code)}, signal ${String(exit.signal)}; log: ${layout.log(child.name)}`,
      );
    });
  }
}

/** The exit code of a failed start, with the error and the last output of a child that died. */
function reportStartError(error: unknown, running: Running): number {
  const exit_code = error instanceof CliError ? error.exit_code : EXIT.start_failed;
  out(`error: ${error instanceof CliError ? `${error.code}: ${error.detail}` : describeError(error)}`);
  const failed = children(running).find((c) => !c.running);
  if (failed !== undefined) out(`last output of ${failed.name}:\n${failed.tail()}`);
  return exit_code;
}

/** Stops what this `up` started, in order, then kills what is left of it (when the directory is ours). */
async function stopCluster(
  layout: Layout,
  running: Running,
  reason: string,
  owns_dir: boolean,
): Promise<void> {
  if (children(running).length > 0) {
    out(`stopping (${reason}): agents, vip-manager, data-nodes (and their redis-server), nats-server`);
    await stopAll(running);
  }
  if (!owns_dir) return;
  // The safety net: what is left of the processes this `up` started (a process spawned while
  // a stop was already under way, a hook script in a child's process group). Nothing else:
  // other programs naming the directory (a CLI follower, a shell) are not ours to stop.
  const groups = await groupMembers(children(running).map((c) => c.pid));
  const left = [...new Set([...groups, ...recordedLeftovers(processes(running)).map((p) => p.pid)])];
  if (left.length > 0) {
    out(`killing ${left.length} remaining process(es): ${left.join(" ")}`);
    await killAll(left, LEFTOVER_KILL_DEADLINE_MS);
  }
  await removeRunRecord(layout);
  out(`stopped: ${processes(running).length} processes ended`);
}

export async function up(options: UpOptions): Promise<number> {
  const began_ms = performance.now();
  const layout = new Layout(options.dir);
  const running: Running = {
    nats: null,
    data_nodes: new Map(),
    redis_pids: new Map(),
    agents: new Map(),
    vip_manager: null,
  };
  const stop = new StopOnSignals(running);
  let watch: TopologyWatch | null = null;
  let owns_dir = false;
  let exit_code: number = EXIT.ok;
  try {
    out(`sentinel-plane up: ${layout.dir}`);
    ensureInstalled(step, options.install);
    await takeOver(layout);
    // From here the directory is ours: a refused start must not touch another `up`'s cluster.
    owns_dir = true;
    const prepared = await prepareCluster(layout, options);
    await startProcesses(layout, prepared, running, stop);
    const { endpoints, ready } = await awaitClusterReady(layout, options, prepared, stop);
    await recordRunning(layout, running);
    printReady(layout, prepared, running, ready, began_ms);
    reportUnexpectedExits(layout, running, stop, () => watch?.detach());
    if (options.watch) {
      watch = new TopologyWatch({
        endpoints,
        period_ms: options.watch_period_ms,
        tty: process.stdout.isTTY,
        write: (text) => process.stdout.write(text),
      });
      watch.start();
    }
    await stop.requested_once;
  } catch (error) {
    if (!(error instanceof Stopped)) exit_code = reportStartError(error, running);
  } finally {
    watch?.stop();
    const reason = stop.requested ?? (exit_code === EXIT.ok ? "done" : "error");
    await stopCluster(layout, running, reason, owns_dir);
    stop.release();
  }
  return exit_code;
}
