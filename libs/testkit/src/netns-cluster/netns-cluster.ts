// The cluster fixture (../cluster) on real hosts: every data host is a network namespace running
// redis-server (supervised by its data-node), a sentinel-agent and, with a VIP, a vip-manager,
// all announcing the host's 10.x address. nats-server runs in a namespace of its own, so a cut
// data host is a minority that has lost NATS while the others keep it. c1 is the client.
//
//   h1 h2 h3 : data-node (+ redis-server), sentinel-agent, vip-manager     (10.x.y.11-13)
//   h4       : nats-server (JetStream), the tap that relays events to the test  (10.x.y.14)
//   c1       : clients, e.g. the VIP writer (vip-client.ts)                      (10.x.y.101)
//
// With `secure`, every link runs as issue 14 asks: TLS everywhere (throwaway CA), NATS users
// with their roles' permissions, the Sentinel port's users and REST tokens (security.ts).
//
// The test process stays in the root namespace and never sends a packet to a 10.x address: it
// hears from the lab through the stdout of processes inside it, and acts with `ip netns exec`.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import { redisCliTlsArgs } from "@sentinel-plane/runtime";
import type { LabProcess, NetnsLab } from "../netns/index.js";
import { createNetnsLab, listNetns } from "../netns/index.js";
import type { VipSettings } from "./configs.js";
import {
  IFNAME,
  NATS_PORT,
  REDIS_PORT,
  agentConfLines,
  agentIdentity,
  agentMyid,
  dataNodeConfig,
  dataNodeId,
  redisConfigText,
  vipManagerConfig,
  vipManagerIdentity,
} from "./configs.js";
import type { LabSecurity } from "./security.js";
import { TAP_IDENTITY, makeLabSecurity, natsCredentialOf, natsServerConfigText } from "./security.js";
import { JsonLines } from "./json-lines.js";
import type { ClientTimings } from "./vip-client-process.js";
import { VipClient } from "./vip-client-process.js";
import { wallClock_ms } from "./wall-clock.js";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const DATA_NODE_MAIN = join(REPO_ROOT, "services/data-node/src/main.ts");
const AGENT_MAIN = join(REPO_ROOT, "services/sentinel-agent/src/main.ts");
const VIP_MANAGER_MAIN = join(REPO_ROOT, "services/vip-manager/src/main.ts");
const TAP_MAIN = fileURLToPath(new URL("./nats-tap.ts", import.meta.url));
const CLIENT_MAIN = fileURLToPath(new URL("./vip-client.ts", import.meta.url));
const TSX_URL = import.meta.resolve("tsx");

const DATA_HOSTS = 3;
const NATS_HOST = "h4";
const CLIENT_HOST = "c1";
/** Start-up of one process on a loaded 2-core machine (tsx compiles on the fly). */
const START_TIMEOUT_MS = 30_000;
/** An agent leaves TILT 30 s (tilt_period_ms) after its last clock anomaly; plus a margin. */
const TILT_WAIT_MS = 45_000;

export interface NetnsClusterOptions {
  /** The lab's /24, e.g. `10.81.0` (one per test file, so files never share addresses). */
  readonly subnet: string;
  /** Namespace name prefix (see netns/names.ts); default: a random `sp...` one. */
  readonly prefix?: string;
  /** How long one process may take to start (default START_TIMEOUT_MS). */
  readonly start_timeout_ms?: number;
  readonly master_name?: string;
  readonly quorum?: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  /** The built-in VIP, run by a vip-manager on every data host; null: no vip-managers. */
  readonly vip: VipSettings | null;
  /** More sentinel.conf lines for a host's agent (hook scripts, ...). */
  readonly agent_lines?: (host: { readonly name: string; readonly address: string }) => readonly string[];
  /** Security on (issue 14): TLS on every link, NATS users, Sentinel-port users, REST tokens. */
  readonly secure?: boolean;
  /**
   * Data-nodes also ask the agents' REST ports for the write lease while NATS is away (default
   * off; plain http only: not with `secure`).
   */
  readonly failsafe?: boolean;
}

export interface NetnsDataHost {
  readonly name: string;
  readonly address: string;
  /** The agent's Sentinel id (the `agent` of its events). */
  readonly myid: string;
  readonly dir: string;
  readonly data_node_config_path: string;
  data_node: LabProcess;
  agent: LabProcess;
  vip_manager: LabProcess | null;
}

export interface TapEvent {
  readonly event: WireEventMessage;
  /** Wall clock (wall-clock.ts) when the tap received it. */
  readonly t_ms: number;
}

/** One JSON log line of a service (pino: level, time, service, event, msg and fields). */
export type LogLine = Readonly<Record<string, unknown>>;

type TapLine =
  | { readonly type: "event"; readonly t_ms: number; readonly event: WireEventMessage }
  | { readonly type: "ready" };

export class NetnsCluster {
  readonly lab: NetnsLab;
  readonly dir: string;
  readonly cluster_id: string;
  readonly master_name: string;
  readonly hosts: NetnsDataHost[] = [];
  readonly nats_host = NATS_HOST;
  readonly client_host = CLIENT_HOST;
  readonly #options: NetnsClusterOptions;
  readonly #start_timeout_ms: number;
  #tap: JsonLines<TapLine> | null = null;
  #nats: LabProcess | null = null;
  readonly #clients: VipClient[] = [];
  readonly #logs = new Map<LabProcess, JsonLines<LogLine>>();
  #security: LabSecurity | null = null;

  private constructor(lab: NetnsLab, options: NetnsClusterOptions) {
    this.lab = lab;
    this.#options = options;
    this.#start_timeout_ms = options.start_timeout_ms ?? START_TIMEOUT_MS;
    this.dir = mkdtempSync(join(tmpdir(), "sp-netns-cluster-"));
    this.cluster_id = `n${Math.floor(Math.random() * 1e9).toString(36)}`;
    this.master_name = options.master_name ?? "mymaster";
  }

  get nats_url(): string {
    return `nats://${this.lab.node(NATS_HOST).address}:${NATS_PORT}`;
  }

  /** The certificates and credentials when started with `secure` (null otherwise). */
  get security(): LabSecurity | null {
    return this.#security;
  }

  /** redis-cli's connection arguments for Redis (REDIS_PORT) or the Sentinel port, TLS when secure. */
  cliTlsArgs(): string[] {
    return this.#security === null ? [] : redisCliTlsArgs(this.#security.certs);
  }

  /** The primary the agents are configured with (sentinel monitor): h1. */
  get initial_primary(): NetnsDataHost {
    return this.host("h1");
  }

  host(name: string): NetnsDataHost {
    const host = this.hosts.find((h) => h.name === name);
    assert.ok(host !== undefined, `no data host ${name}`);
    return host;
  }

  /** The data host whose Redis has this address. */
  hostOf(address: string): NetnsDataHost {
    const host = this.hosts.find((h) => h.address === address);
    assert.ok(host !== undefined, `no data host has ${address}`);
    return host;
  }

  // ---- events (relayed by the tap inside the NATS namespace) ----

  events(since_index = 0): TapEvent[] {
    const lines = this.#tapLines().lines.slice(since_index);
    const out: TapEvent[] = [];
    for (const line of lines) if (line.type === "event") out.push({ event: line.event, t_ms: line.t_ms });
    return out;
  }

  /** An index into the tap's lines: pass it as `since_index` to look only at later events. */
  mark(): number {
    return this.#tapLines().lines.length;
  }

  named(name: string, since_index = 0): TapEvent[] {
    return this.events(since_index).filter((e) => e.event.name === name);
  }

  async waitForEvent(
    match: (event: WireEventMessage) => boolean,
    options: { readonly timeout_ms: number; readonly since_index?: number },
  ): Promise<TapEvent> {
    const line = await this.#tapLines().waitFor(
      (l) => l.type === "event" && match(l.event),
      options.timeout_ms,
      options.since_index ?? 0,
    );
    assert.equal(line.type, "event");
    return { event: line.event, t_ms: line.t_ms };
  }

  /** The new primary named by a `+switch-master <name> <old-ip> <old-port> <new-ip> <new-port>`. */
  switchedTo(event: WireEventMessage): NetnsDataHost {
    const parts = event.text.split(" ");
    const address = parts[3];
    assert.ok(address !== undefined && parts[4] === String(REDIS_PORT), `bad +switch-master: ${event.text}`);
    return this.hostOf(address);
  }

  // ---- Redis, asked inside the host's namespace ----

  async redisCli(host: string, args: readonly string[]): Promise<string> {
    const result = await this.lab.execChecked(host, [
      "redis-cli",
      "-h",
      "127.0.0.1",
      "-p",
      String(REDIS_PORT),
      ...this.cliTlsArgs(),
      ...args,
    ]);
    return result.stdout;
  }

  /** One field of INFO (e.g. `role`, `run_id`, `process_id`); null when the server does not answer. */
  async redisInfoField(host: string, field: string): Promise<string | null> {
    const result = await this.lab.exec(
      host,
      ["redis-cli", "-h", "127.0.0.1", "-p", String(REDIS_PORT), ...this.cliTlsArgs(), "INFO"],
      5_000,
    );
    if (result.code !== 0) return null;
    const match = new RegExp(`^${field}:(.*)$`, "m").exec(result.stdout.replaceAll("\r", ""));
    return match?.[1] ?? null;
  }

  /** SIGKILL of a host's redis-server (its data-node sees the exit at once). */
  async killRedis(
    host: string,
  ): Promise<{ readonly pid: number; readonly run_id: string; readonly t_ms: number }> {
    const pid = Number(await this.redisInfoField(host, "process_id"));
    const run_id = await this.redisInfoField(host, "run_id");
    assert.ok(Number.isInteger(pid) && pid > 0 && run_id !== null, `no redis-server answers on ${host}`);
    const t_ms = wallClock_ms();
    process.kill(pid, "SIGKILL");
    return { pid, run_id, t_ms };
  }

  /** Stops a host's data-node (SIGTERM) and starts it again: it starts its redis-server, fenced. */
  async restartDataNode(name: string): Promise<void> {
    const host = this.host(name);
    process.kill(host.data_node.pid, "SIGTERM");
    await host.data_node.exited;
    host.data_node = this.#spawnService(name, DATA_NODE_MAIN, ["--config", host.data_node_config_path]);
    await host.data_node.waitForOutput(/"event":"commands_ready"/, this.#start_timeout_ms);
  }

  /** Starts a host's data-node again after it was killed (its redis-server may still run). */
  async startDataNode(name: string): Promise<void> {
    const host = this.host(name);
    assert.ok(!host.data_node.running, `${name}'s data-node is still running`);
    host.data_node = this.#spawnService(name, DATA_NODE_MAIN, ["--config", host.data_node_config_path]);
    await host.data_node.waitForOutput(/"event":"commands_ready"/, this.#start_timeout_ms);
  }

  /** Starts a host's agent again after it was killed, with the sentinel.conf it had. */
  async startAgent(name: string): Promise<void> {
    const host = this.host(name);
    assert.ok(!host.agent.running, `${name}'s agent is still running`);
    host.agent = this.#spawnService(name, AGENT_MAIN, [join(host.dir, "agent", "sentinel.conf")]);
    await host.agent.waitForOutput(/sentinel-agent started/, this.#start_timeout_ms);
  }

  /** Starts a host's vip-manager again after it was killed. */
  async startVipManager(name: string): Promise<void> {
    const host = this.host(name);
    assert.ok(host.vip_manager !== null && !host.vip_manager.running, `${name}'s vip-manager is running`);
    host.vip_manager = this.#spawnVipManager(host);
    await host.vip_manager?.waitForOutput(/"event":"initial_reconcile"/, this.#start_timeout_ms);
  }

  /** The nats-server process (h4). */
  get nats(): LabProcess {
    assert.ok(this.#nats !== null, "nats-server is not started");
    return this.#nats;
  }

  /** Starts nats-server again (same JetStream directory) after it was killed. */
  async startNats(): Promise<void> {
    assert.ok(this.#nats === null || !this.#nats.running, "nats-server is still running");
    await this.#spawnNats();
  }

  /** A service's JSON log lines, in order and awaitable (`since_index` = `.lines.length` earlier). */
  logOf(service: LabProcess): JsonLines<LogLine> {
    const log = this.#logs.get(service);
    assert.ok(log !== undefined, `not a service of this cluster: ${service.argv.join(" ")}`);
    return log;
  }

  // ---- the VIP ----

  /** Lab hosts (data hosts and the NATS host) whose interface carries the address, asked in each. */
  async holders(vip: string): Promise<string[]> {
    const held: string[] = [];
    for (const node of this.lab.hosts) if (await this.holds(node.name, vip)) held.push(node.name);
    return held;
  }

  async holds(host: string, vip: string): Promise<boolean> {
    const shown = await this.lab.execChecked(host, ["ip", "-j", "addr", "show", "dev", IFNAME]);
    const links = JSON.parse(shown.stdout) as { addr_info: { local: string }[] }[];
    return links.some((link) => link.addr_info.some((entry) => entry.local === vip));
  }

  /** Starts the writer in c1 against host:port (the VIP) and waits for its first acknowledged write. */
  async startClient(host: string, timings: ClientTimings, first_ack_timeout_ms: number): Promise<VipClient> {
    const process_ = this.lab.spawn(CLIENT_HOST, [
      process.execPath,
      "--import",
      TSX_URL,
      CLIENT_MAIN,
      host,
      String(REDIS_PORT),
      String(timings.interval_ms),
      String(timings.connect_timeout_ms),
      String(timings.reply_timeout_ms),
      String(timings.run_max_ms),
    ]);
    const client = new VipClient(process_);
    this.#clients.push(client);
    await client.waitForAck(() => true, first_ack_timeout_ms);
    return client;
  }

  // ---- life cycle ----

  static async start(options: NetnsClusterOptions): Promise<NetnsCluster> {
    const lab = await createNetnsLab({
      hosts: DATA_HOSTS + 1,
      clients: 1,
      subnet: options.subnet,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
    const cluster = new NetnsCluster(lab, options);
    try {
      await cluster.#start();
    } catch (error) {
      await cluster.teardown();
      throw error;
    }
    return cluster;
  }

  /**
   * Waits until the agents discovered every replica and every peer, the primary took its first
   * write-enabling decision (`+unfence-master`: data-nodes start it fenced), and, with a VIP,
   * the primary's host holds it.
   */
  async ready(timeout_ms: number): Promise<void> {
    const primary = this.initial_primary;
    await this.waitForEvent(
      (e) => e.name === "+unfence-master" && e.text.includes(` ${primary.address} ${REDIS_PORT}`),
      { timeout_ms },
    );
    const agents = this.hosts.length;
    const until_ms = performance.now() + timeout_ms;
    const discovered = (): boolean => {
      const slaves = new Set(this.named("+slave").map((s) => `${s.event.agent} ${s.event.text}`));
      const sentinels = new Set(this.named("+sentinel").map((s) => `${s.event.agent} ${s.event.text}`));
      return slaves.size >= agents * (agents - 1) && sentinels.size >= agents * (agents - 1);
    };
    while (!discovered()) {
      const left_ms = until_ms - performance.now();
      assert.ok(left_ms > 0, "discovery did not complete");
      // Any new event may complete it: wait for the next one.
      await this.waitForEvent(() => true, { timeout_ms: left_ms, since_index: this.mark() });
    }
    await this.#agentsActing();
    if (this.#options.vip !== null) {
      await primary.vip_manager?.waitForOutput(/"event":"vip_hold"[^\n]*"action":"bound"/, timeout_ms);
    }
  }

  /**
   * Waits until no agent is in TILT. An agent whose start-up took longer than tilt_trigger_ms
   * (2 s: easy on a loaded 2-core machine) takes the gap for a clock jump and enters TILT at once;
   * in TILT it observes but does not act for 30 s, so a failover test must not begin before.
   * TILT has no master, so agents log it but do not publish it on NATS: read from their logs.
   */
  async #agentsActing(): Promise<void> {
    for (const host of this.hosts) {
      const log = this.logOf(host.agent);
      const tilts = log.lines.filter((l) => l["event"] === "+tilt" || l["event"] === "-tilt");
      if (tilts.at(-1)?.["event"] !== "+tilt") continue;
      process.stderr.write(`# netns-cluster: ${host.name}'s agent is in TILT; waiting until it leaves\n`);
      await log.waitFor((l) => l["event"] === "-tilt", TILT_WAIT_MS, log.lines.length);
    }
  }

  /** Kills every process by PID, deletes the namespaces, and checks none of them is left. */
  async teardown(): Promise<void> {
    if (process.env["SP_NETNS_CLUSTER_DUMP"] === "1") this.dump();
    const names = this.lab.netns_names;
    await this.lab.teardown();
    rmSync(this.dir, { recursive: true, force: true });
    const listed = await listNetns();
    const left = names.filter((name) => listed.includes(name));
    assert.deepEqual(left, [], "namespaces left behind");
  }

  /** Every service's output, for diagnosis (SP_NETNS_CLUSTER_DUMP=1 prints it at teardown). */
  dump(): void {
    for (const host of this.hosts) {
      for (const [label, proc] of [
        ["data-node", host.data_node],
        ["agent", host.agent],
        ["vip-manager", host.vip_manager],
      ] as const) {
        if (proc !== null) process.stderr.write(`----- ${host.name} ${label}\n${proc.output()}\n`);
      }
    }
  }

  async #spawnNats(): Promise<void> {
    const nats_dir = join(this.dir, "nats");
    mkdirSync(nats_dir, { recursive: true });
    const security = this.#security;
    let args = [
      "-js",
      "-sd",
      nats_dir,
      "-a",
      "0.0.0.0",
      "-p",
      String(NATS_PORT),
      "--server_name",
      this.cluster_id,
    ];
    if (security !== null) {
      // Users and TLS exist only in a config file; the whole config is there then.
      const config_path = join(this.dir, "nats.conf");
      const text = natsServerConfigText({
        security,
        server_name: this.cluster_id,
        port: NATS_PORT,
        store_dir: nats_dir,
      });
      writeFileSync(config_path, text, { mode: 0o600 });
      args = ["-c", config_path];
    }
    const nats = this.lab.spawn(NATS_HOST, ["nats-server", ...args]);
    this.#nats = nats;
    await nats.waitForOutput(/Server is ready/, this.#start_timeout_ms);
  }

  async #start(): Promise<void> {
    // The failsafe's data-nodes reach the agents over plain http; secure REST is https only.
    assert.ok(
      !(this.#options.secure === true && this.#options.failsafe === true),
      "failsafe with secure: not in the lab",
    );
    if (this.#options.secure === true) this.#security = await this.#makeSecurity();
    await this.#spawnNats();
    await this.#startTap();
    const addresses = this.lab.hosts
      .slice(0, DATA_HOSTS)
      .map((node) => ({ name: node.name, address: node.address }));
    const primary_address = addresses[0]?.address;
    assert.ok(primary_address !== undefined);
    // Data-nodes (and their redis-servers) first: agents that started before the primary is up
    // would count its start-up against down-after.
    for (const [index, { name, address }] of addresses.entries()) {
      this.hosts.push(this.#startDataHost(index, name, address, primary_address, addresses));
    }
    await Promise.all(
      this.hosts.map((h) => h.data_node.waitForOutput(/"event":"commands_ready"/, this.#start_timeout_ms)),
    );
    // One agent at a time, before the vip-managers: an agent whose start-up is slowed down by
    // CPU contention is likely to enter TILT (see #agentsActing), which costs 30 s.
    for (const host of this.hosts) {
      host.agent = this.#spawnAgent(host, primary_address);
      await host.agent.waitForOutput(/sentinel-agent started/, this.#start_timeout_ms);
    }
    for (const host of this.hosts) host.vip_manager = this.#spawnVipManager(host);
    await Promise.all(
      this.hosts.flatMap((h) =>
        h.vip_manager === null
          ? []
          : [h.vip_manager.waitForOutput(/"event":"initial_reconcile"/, this.#start_timeout_ms)],
      ),
    );
  }

  /** Credentials and certificates for every service of the lab (the `secure` option). */
  #makeSecurity(): Promise<LabSecurity> {
    const data_hosts = this.lab.hosts.slice(0, DATA_HOSTS);
    return makeLabSecurity({
      dir: this.dir,
      cluster_id: this.cluster_id,
      addresses: this.lab.hosts.map((node) => node.address),
      identities: data_hosts.flatMap((node, index) => [
        agentIdentity(agentMyid(index)),
        { role: "data-node" as const, id: dataNodeId(node.name) },
        vipManagerIdentity(node.name),
      ]),
    });
  }

  /** A data host's redis.conf and data-node config, and its data-node (it starts the server). */
  #startDataHost(
    index: number,
    name: string,
    address: string,
    primary_address: string,
    addresses: readonly { readonly name: string; readonly address: string }[],
  ): NetnsDataHost {
    const dir = join(this.dir, name);
    mkdirSync(dir);
    const redis_config_path = join(dir, "redis.conf");
    writeFileSync(
      redis_config_path,
      redisConfigText({ dir, replicaof: index === 0 ? null : primary_address, security: this.#security }),
    );
    const data_node_config_path = join(dir, "data-node.json");
    const config = dataNodeConfig({
      host: name,
      address,
      cluster_id: this.cluster_id,
      master_name: this.master_name,
      nats_url: this.nats_url,
      redis_config_path,
      state_dir: join(dir, "data-node-state"),
      security: this.#security,
      failsafe_agents: this.#options.failsafe === true ? addresses.map((a) => a.address) : null,
    });
    writeFileSync(data_node_config_path, JSON.stringify(config, null, 2), { mode: 0o600 });
    const data_node = this.#spawnService(name, DATA_NODE_MAIN, ["--config", data_node_config_path]);
    return {
      name,
      address,
      myid: agentMyid(index),
      dir,
      data_node_config_path,
      data_node,
      agent: data_node, // replaced by #start once every data-node is up
      vip_manager: null,
    };
  }

  /** The tap relays events to the test (it runs beside nats-server, inside the lab). */
  async #startTap(): Promise<void> {
    const security = this.#security;
    // The tap reads its credential and TLS files from argv (see nats-tap.ts).
    const secure_args =
      security === null
        ? []
        : [
            natsCredentialOf(security, TAP_IDENTITY).user,
            natsCredentialOf(security, TAP_IDENTITY).pass,
            security.certs.ca_file,
            security.certs.cert_file,
            security.certs.key_file,
          ];
    const tap = this.lab.spawn(NATS_HOST, [
      process.execPath,
      "--import",
      TSX_URL,
      TAP_MAIN,
      this.nats_url,
      this.cluster_id,
      ...secure_args,
    ]);
    const stdout = tap.child.stdout;
    assert.ok(stdout !== null);
    const lines = new JsonLines<TapLine>(stdout, "nats-tap");
    this.#tap = lines;
    await lines.waitFor((l) => l.type === "ready", this.#start_timeout_ms);
  }

  #spawnAgent(host: NetnsDataHost, primary_address: string): LabProcess {
    const dir = join(host.dir, "agent");
    mkdirSync(dir);
    const config_path = join(dir, "sentinel.conf");
    const lines = agentConfLines({
      address: host.address,
      myid: host.myid,
      primary_address,
      master_name: this.master_name,
      quorum: this.#options.quorum ?? 2,
      down_after_ms: this.#options.down_after_ms,
      failover_timeout_ms: this.#options.failover_timeout_ms,
      nats_url: this.nats_url,
      cluster_id: this.cluster_id,
      state_dir: dir,
      extra_lines: this.#options.agent_lines?.({ name: host.name, address: host.address }) ?? [],
      security: this.#security,
      failsafe_nodes:
        this.#options.failsafe === true
          ? this.lab.hosts.slice(0, DATA_HOSTS).map((node) => dataNodeId(node.name))
          : [],
    });
    writeFileSync(config_path, `${lines.join("\n")}\n`, { mode: 0o600 });
    return this.#spawnService(host.name, AGENT_MAIN, [config_path]);
  }

  #spawnVipManager(host: NetnsDataHost): LabProcess | null {
    const vip = this.#options.vip;
    if (vip === null) return null;
    const config_path = join(host.dir, "vip-manager.json");
    const config = vipManagerConfig({
      host: host.name,
      address: host.address,
      cluster_id: this.cluster_id,
      master_name: this.master_name,
      nats_url: this.nats_url,
      vip,
      security: this.#security,
    });
    writeFileSync(config_path, JSON.stringify(config, null, 2), { mode: 0o600 });
    return this.#spawnService(host.name, VIP_MANAGER_MAIN, ["--config", config_path]);
  }

  #spawnService(host: string, entry: string, args: readonly string[]): LabProcess {
    const service = this.lab.spawn(host, [process.execPath, "--import", TSX_URL, entry, ...args]);
    const stdout = service.child.stdout;
    assert.ok(stdout !== null);
    this.#logs.set(service, new JsonLines<LogLine>(stdout, `${host} ${entry}`));
    return service;
  }

  #tapLines(): JsonLines<TapLine> {
    assert.ok(this.#tap !== null, "the tap is not started");
    return this.#tap;
  }
}
