// A whole sentinel-plane cluster of real processes on loopback, for cross-service tests:
// nats-server (JetStream), one primary and N replicas (redis-server supervised by their
// data-nodes), and M sentinel-agents reading sentinel.conf files. Everything is started through
// the harness, so teardown kills it all by PID whatever the test does. NATS authorization is on
// by default: every agent and data-node gets its own user with its role's permissions
// (libs/protocol nats-auth.ts); the test's own client is the unrestricted admin.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { allEventsSubject, decodeEventMessage } from "@sentinel-plane/protocol";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import type { Harness, PreparedRedis } from "../process/harness.js";
import type { NatsCluster } from "../process/nats-cluster.js";
import type { NatsCredential, NatsServer } from "../process/nats-server.js";
import { freePort, LOOPBACK } from "../process/ports.js";
import type { ServiceProcess } from "../process/service.js";

export const DATA_NODE_ENTRY = "services/data-node/src/main.ts";
export const AGENT_ENTRY = "services/sentinel-agent/src/main.ts";
/** The REST token of test clusters unless a test chooses its own. */
export const REST_TOKEN_DEFAULT = "test-token-0123456789abcdef";
/** The data-nodes' failsafe tokens (agent REST tokens of the lease role) with `failsafe`: this plus `-<node id>`. */
export const LEASE_TOKEN_DEFAULT = "lease-token-0123456789abcdef";

/** A data-node's own lease token: each is bound to its node id on the agents (`rest-token <t> lease <node-id>`). */
export function leaseTokenOf(node_id: string): string {
  return `${LEASE_TOKEN_DEFAULT}-${node_id}`;
}

export interface ClusterOptions {
  readonly replicas: number;
  readonly agents: number;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  /**
   * `sentinel-plane failover-block-period` of every master (anti-flapping, libs/core
   * maintenance.ts). 0 (off) unless given: tests and benches that fail over repeatedly predate it.
   */
  readonly failover_block_period_ms?: number;
  readonly master_name?: string;
  /** Extra sentinel.conf lines for every agent. */
  readonly agent_lines?: readonly string[];
  /** More fields of every data-node's JSON configuration (e.g. strict mode, the restart policy). */
  readonly data_node_config?: Readonly<Record<string, unknown>>;
  /** Bearer token of every agent's REST API (changes); a fixed test token by default. */
  readonly rest_token?: string;
  /** Extra environment for every agent (e.g. SP_SIMULATE_FAILURE). */
  readonly agent_env?: Readonly<Record<string, string>>;
  /** replica-priority per replica index (Redis' default 100). */
  readonly replica_priorities?: readonly number[];
  /** How many masters (each with its own replicas), named `<master_name>`, `<master_name>-1`... */
  readonly masters?: number;
  /** Run on a JetStream cluster of this many nats-servers (every service gets every URL; no users). */
  readonly nats_cluster?: number;
  /** NATS users and permissions per identity (default true); false for runs without (benches). */
  readonly nats_auth?: boolean;
  /** Data-nodes ask the agents' REST ports for the write lease while NATS is down (default off). */
  readonly failsafe?: boolean;
  /**
   * TLS on the links to Redis and NATS: TLS-only redis-servers (RedisServerOptions.tls) and a
   * nats-server requiring verified client certificates; data-nodes and agents get these files
   * (`tls-replication yes`, `nats-tls-*`). The Sentinel port and REST stay as agent_lines set them.
   */
  readonly tls?: { readonly ca_file: string; readonly cert_file: string; readonly key_file: string };
  /**
   * With `tls`: every agent's Sentinel port is TLS only (`port 0`, `tls-port` = its
   * `sentinel_port`, client certificates required), which agent_lines cannot say per agent.
   */
  readonly sentinel_port_tls?: boolean;
}

export interface RedisNode {
  readonly node_id: string;
  readonly master_name: string;
  readonly prepared: PreparedRedis;
  readonly port: number;
  dataNode: ServiceProcess;
  readonly config_path: string;
  /** The data-node's NATS user (null: authorization off). */
  readonly nats_credential: NatsCredential | null;
}

export interface AgentNode {
  readonly index: number;
  readonly dir: string;
  readonly config_path: string;
  readonly sentinel_port: number;
  readonly rest_port: number;
  readonly env: Readonly<Record<string, string>>;
  /** The agent's id (`sentinel myid` in its config, so that its NATS user can name it). */
  myid: string;
  /** The agent's NATS user (null: authorization off). */
  readonly nats_credential: NatsCredential | null;
  process: ServiceProcess;
}

/** An event seen on NATS, with the monotonic time the test received it. */
export interface SeenEvent {
  readonly event: WireEventMessage;
  readonly received_ms: number;
}

export class Cluster {
  readonly cluster_id: string;
  readonly master_name: string;
  readonly nats: NatsServer;
  /** The first master's nodes (primary first); `groups` has every master's. */
  readonly redis: RedisNode[];
  readonly groups: RedisNode[][];
  readonly agents: AgentNode[];
  readonly events: SeenEvent[] = [];
  /** The NATS cluster when started with `nats_cluster` (then `nats` is its first member). */
  nats_cluster: NatsCluster | null = null;
  readonly #procs: Harness;
  readonly #nc: NatsConnection;
  #waiters: { match: (e: WireEventMessage) => boolean; resolve: (e: SeenEvent) => void }[] = [];

  constructor(
    procs: Harness,
    cluster_id: string,
    master_name: string,
    nats: NatsServer,
    nc: NatsConnection,
    groups: RedisNode[][],
    agents: AgentNode[],
  ) {
    this.#procs = procs;
    this.cluster_id = cluster_id;
    this.master_name = master_name;
    this.nats = nats;
    this.#nc = nc;
    this.groups = groups;
    this.redis = groups[0] ?? [];
    this.agents = agents;
    nc.subscribe(allEventsSubject(cluster_id), {
      callback: (error, msg) => {
        if (error !== null) return;
        const decoded = decodeEventMessage(msg.data);
        if (!decoded.ok) return;
        const seen = { event: decoded.value, received_ms: performance.now() };
        this.events.push(seen);
        this.#waiters = this.#waiters.filter((w) => {
          if (!w.match(seen.event)) return true;
          w.resolve(seen);
          return false;
        });
      },
    });
  }

  get nc(): NatsConnection {
    return this.#nc;
  }

  get procs(): Harness {
    return this.#procs;
  }

  /**
   * Stops a data-node (SIGTERM) and starts it again: in supervise mode it restarts its Redis. A
   * primary's data-node switches over first when its config allows: give it a longer grace.
   */
  async restartDataNode(node: RedisNode, stop_grace_ms = 5000): Promise<void> {
    await node.dataNode.stop(stop_grace_ms);
    node.dataNode = await spawnDataNode(this.#procs, node.node_id, node.config_path);
  }

  /** Resolves with the first event (already seen since `since_index`, or future) that matches. */
  waitForEvent(
    match: (e: WireEventMessage) => boolean,
    options: { readonly timeout_ms: number; readonly since_index?: number },
  ): Promise<SeenEvent> {
    const past = this.events.slice(options.since_index ?? 0).find((s) => match(s.event));
    if (past !== undefined) return Promise.resolve(past);
    return new Promise<SeenEvent>((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: SeenEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        const names = this.events.map((s) => `${s.event.name} ${s.event.text}`).slice(-40);
        reject(
          new Error(`event not seen within ${options.timeout_ms} ms; last events:\n${names.join("\n")}`),
        );
      }, options.timeout_ms);
      this.#waiters.push(waiter);
    });
  }

  /** Events of one name from every agent, in arrival order. */
  named(name: string, since_index = 0): SeenEvent[] {
    return this.events.slice(since_index).filter((s) => s.event.name === name);
  }

  async restartAgent(agent: AgentNode): Promise<void> {
    await agent.process.stop(5000);
    agent.process = await spawnAgent(this.#procs, agent);
  }

  async stopAgent(agent: AgentNode, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    agent.process.kill(signal);
    await agent.process.exited;
  }

  async close(): Promise<void> {
    await this.#nc.close().catch(() => undefined);
  }
}

async function spawnAgent(procs: Harness, agent: Omit<AgentNode, "process">): Promise<ServiceProcess> {
  const service = await procs.spawnService({
    name: `agent-${agent.index}`,
    entry: AGENT_ENTRY,
    args: [agent.config_path],
    env: { SP_LOG_LEVEL: "info", ...agent.env },
  });
  // The REST build alone (fastify, TypeBox, Swagger) took over 30 s on a 2-core machine at load 50.
  const started = await service.waitForLog((r) => r["msg"] === "sentinel-agent started", {
    timeout_ms: 90_000,
  });
  const myid = started["myid"];
  if (typeof myid === "string") agent.myid = myid;
  return service;
}

async function spawnDataNode(procs: Harness, node_id: string, config_path: string): Promise<ServiceProcess> {
  const service = await procs.spawnService({
    name: `data-node-${node_id}`,
    entry: DATA_NODE_ENTRY,
    args: ["--config", config_path],
  });
  await service.waitForLog((r) => r["event"] === "commands_ready", { timeout_ms: 30_000 });
  return service;
}

/** Starts NATS, the Redis nodes with their data-nodes, and the agents. */
export async function startCluster(procs: Harness, options: ClusterOptions): Promise<Cluster> {
  const cluster_id = `c${Math.floor(Math.random() * 1e9).toString(36)}`;
  const master_name = options.master_name ?? "mymaster";
  const nats_cluster =
    options.nats_cluster === undefined ? null : await procs.startNatsCluster(options.nats_cluster);
  const nats =
    nats_cluster?.servers[0] ??
    (await procs.startNats({
      auth: options.nats_auth ?? true,
      ...(options.tls === undefined ? {} : { tls: options.tls }),
    }));
  const nats_urls = nats_cluster?.urls ?? [nats.url];
  // Known before the data-nodes start: their failsafe configuration names the agents' REST ports.
  const rest_ports = await Promise.all(Array.from({ length: options.agents }, () => freePort()));
  const failsafe =
    options.failsafe === true ? { agents: rest_ports.map((port) => `http://${LOOPBACK}:${port}`) } : null;
  const groups: RedisNode[][] = [];
  for (let m = 0; m < (options.masters ?? 1); m++) {
    const name = m === 0 ? master_name : `${master_name}-${m}`;
    groups.push(await startGroup(procs, options, cluster_id, name, nats, nats_urls, m, failsafe));
  }
  const nc = await connectTestClient(nats, nats_urls);
  const agents: AgentNode[] = [];
  // Subscribed before any agent starts: the test sees every event, discovery included.
  const cluster = new Cluster(procs, cluster_id, master_name, nats, nc, groups, agents);
  cluster.nats_cluster = nats_cluster;
  procs.onCleanup(() => cluster.close());
  const myids = Array.from({ length: options.agents }, () => randomBytes(20).toString("hex"));
  const agent_credentials = await nats.addIdentities(
    cluster_id,
    myids.map((id) => ({ role: "agent", id })),
  );
  const shared: AgentShared = { cluster_id, nats_urls, groups, failsafe: failsafe !== null };
  for (let i = 0; i < options.agents; i++) {
    const identity = { myid: myids[i] ?? "", nats_credential: agent_credentials[i] ?? null };
    agents.push(await startAgentNode(procs, options, shared, i, identity, rest_ports[i]));
  }
  return cluster;
}

/** The test's own NATS client (the unrestricted admin), reconnecting for as long as the test runs. */
function connectTestClient(nats: NatsServer, nats_urls: readonly string[]): Promise<NatsConnection> {
  return connect({
    ...nats.connectOptions,
    servers: [...nats_urls],
    name: "cluster-test",
    timeout: 2000,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 100,
    waitOnFirstConnect: false,
    pingInterval: 1000,
    maxPingOut: 3,
  });
}

/** What every agent's sentinel.conf names alike: the cluster, its bus and its masters. */
interface AgentShared {
  readonly cluster_id: string;
  readonly nats_urls: readonly string[];
  readonly groups: readonly (readonly RedisNode[])[];
  /** The data-nodes' lease tokens are accepted (ClusterOptions.failsafe). */
  readonly failsafe: boolean;
}

/** Writes agent `index`'s sentinel.conf in its own directory and starts it. */
async function startAgentNode(
  procs: Harness,
  options: ClusterOptions,
  shared: AgentShared,
  index: number,
  identity: { readonly myid: string; readonly nats_credential: NatsCredential | null },
  rest_port_chosen: number | undefined,
): Promise<AgentNode> {
  const dir = await procs.tempDir(`agent-${index}`);
  const sentinel_port = await freePort();
  const rest_port = rest_port_chosen ?? (await freePort());
  const config_path = join(dir, "sentinel.conf");
  const own = { dir, sentinel_port, rest_port, ...identity };
  await writeFile(config_path, `${agentConfigLines(options, shared, own).join("\n")}\n`);
  const spec: Omit<AgentNode, "process"> = {
    index,
    dir,
    config_path,
    sentinel_port,
    rest_port,
    env: options.agent_env ?? {},
    ...identity,
  };
  const service = await spawnAgent(procs, spec);
  // Copied after the spawn: it sets the agent's myid from its log.
  return { ...spec, process: service };
}

/** An agent's sentinel.conf: ports, the masters, its NATS user, the cluster's REST tokens and TLS. */
function agentConfigLines(
  options: ClusterOptions,
  shared: AgentShared,
  own: {
    readonly dir: string;
    readonly sentinel_port: number;
    readonly rest_port: number;
    readonly myid: string;
    readonly nats_credential: NatsCredential | null;
  },
): string[] {
  const { nats_credential } = own;
  const tls_only = options.tls !== undefined && options.sentinel_port_tls === true;
  return [
    ...(tls_only
      ? ["port 0", `tls-port ${own.sentinel_port}`, "tls-auth-clients yes"]
      : [`port ${own.sentinel_port}`]),
    `bind ${LOOPBACK}`,
    `sentinel announce-ip ${LOOPBACK}`,
    ...shared.groups.flatMap((group) => {
      const first = group[0];
      if (first === undefined) return [];
      const name = first.master_name;
      return [
        `sentinel monitor ${name} ${LOOPBACK} ${first.port} ${options.quorum}`,
        `sentinel down-after-milliseconds ${name} ${options.down_after_ms}`,
        `sentinel failover-timeout ${name} ${options.failover_timeout_ms}`,
        `sentinel-plane failover-block-period ${name} ${options.failover_block_period_ms ?? 0}`,
      ];
    }),
    `sentinel myid ${own.myid}`,
    `sentinel-plane nats-servers ${shared.nats_urls.join(" ")}`,
    ...(nats_credential === null
      ? []
      : [
          `sentinel-plane nats-user ${nats_credential.user}`,
          `sentinel-plane nats-pass ${nats_credential.pass}`,
        ]),
    `sentinel-plane cluster-id ${shared.cluster_id}`,
    `sentinel-plane state-dir ${own.dir}`,
    `sentinel-plane rest-port ${own.rest_port}`,
    `sentinel-plane rest-token ${options.rest_token ?? REST_TOKEN_DEFAULT}`,
    ...(shared.failsafe
      ? shared.groups
          .flat()
          .map((n) => `sentinel-plane rest-token ${leaseTokenOf(n.node_id)} lease ${n.node_id}`)
      : []),
    ...(options.tls === undefined
      ? []
      : [
          "tls-replication yes",
          `tls-ca-cert-file ${options.tls.ca_file}`,
          `tls-cert-file ${options.tls.cert_file}`,
          `tls-key-file ${options.tls.key_file}`,
          `sentinel-plane nats-tls-ca-file ${options.tls.ca_file}`,
          `sentinel-plane nats-tls-cert-file ${options.tls.cert_file}`,
          `sentinel-plane nats-tls-key-file ${options.tls.key_file}`,
        ]),
    ...(options.agent_lines ?? []),
  ];
}

/** One master's Redis nodes (primary + replicas), each with its supervising data-node. */
async function startGroup(
  procs: Harness,
  options: ClusterOptions,
  cluster_id: string,
  master_name: string,
  nats: NatsServer,
  nats_urls: readonly string[],
  group_index: number,
  failsafe: { readonly agents: readonly string[] } | null,
): Promise<RedisNode[]> {
  const files = options.tls;
  // Exactly the three paths: the data-node's schema refuses other fields.
  const tls =
    files === undefined
      ? {}
      : { tls: { ca_file: files.ca_file, cert_file: files.cert_file, key_file: files.key_file } };
  const primary = await procs.prepareRedis({ name: `redis-${group_index}-0`, ...tls });
  const prepared = [primary];
  for (let i = 0; i < options.replicas; i++) {
    const priority = options.replica_priorities?.[i];
    prepared.push(
      await procs.prepareRedis({
        name: `redis-${group_index}-${i + 1}`,
        replicaof: { host: LOOPBACK, port: primary.port },
        ...tls,
        ...(priority === undefined ? {} : { config_lines: [`replica-priority ${priority}`] }),
      }),
    );
  }
  const nodes: RedisNode[] = [];
  for (const [i, p] of prepared.entries()) {
    const node_id = `node-${group_index}-${i}`;
    const nats_credential = await nats.addIdentity(cluster_id, { role: "data-node", id: node_id });
    const dir = await procs.tempDir(`data-node-${node_id}`);
    const config_path = join(dir, "data-node.json");
    await writeFile(
      config_path,
      JSON.stringify({
        node_id,
        cluster_id,
        master_name,
        nats: { servers: nats_urls, ...nats_credential, ...tls },
        redis: { host: LOOPBACK, port: p.port, ...tls },
        mode: "supervise",
        redis_config_path: p.config_path,
        state_dir: join(dir, "state"),
        poll_interval_ms: 100,
        probe_timeout_ms: 300,
        // Teardown stops every process at once with a short grace: a primary's switchover then
        // would outlive the grace and leave its redis-server behind. Tests of it opt in.
        shutdown_switchover_timeout_ms: 0,
        ...(failsafe === null ? {} : { failsafe: { ...failsafe, token: leaseTokenOf(node_id) } }),
        ...options.data_node_config,
      }),
    );
    const dataNode = await spawnDataNode(procs, node_id, config_path);
    nodes.push({ node_id, master_name, prepared: p, port: p.port, dataNode, config_path, nats_credential });
  }
  return nodes;
}
