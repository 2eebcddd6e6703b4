// The configuration files of a namespace cluster, as pure functions of the hosts' addresses:
// redis.conf, the data-node's JSON, the agent's sentinel.conf lines and the vip-manager's JSON.
// Every service on a host announces that host's 10.x address, so the control plane names each
// Redis by the address clients and vip-managers see.

/** Ports are per namespace, so they are fixed (none of the reserved well-known ones). */
export const REDIS_PORT = 7379;
export const SENTINEL_PORT = 27379;
export const NATS_PORT = 14222;
/** The agents' REST port when the data-nodes' failsafe uses it (`sentinel-plane rest-port`). */
export const REST_PORT = 18080;
/** The data-nodes' failsafe token: an agent REST token of the lease role only. */
export const LEASE_TOKEN = "lab-lease-token-0123456789abcdef";
export const IFNAME = "eth0";

/** NATS client timings for every process in the lab (spelled out: STYLE.md). */
export const LAB_NATS_TIMINGS = {
  connect_timeout_ms: 1000,
  reconnect_wait_ms: 100,
  reconnect_jitter_ms: 50,
  ping_interval_ms: 1000,
  ping_max_out: 2,
} as const;

/**
 * Listens on every address of the host's namespace (its own and, when it holds it, the VIP).
 * No persistence; a fast diskless first sync (env-notes: otherwise the first sync waits 5 s).
 */
export function redisConfigText(input: { readonly dir: string; readonly replicaof: string | null }): string {
  const lines = [
    `port ${REDIS_PORT}`,
    "bind 0.0.0.0",
    "protected-mode no",
    `dir ${input.dir}`,
    `save ""`,
    "appendonly no",
    "repl-diskless-sync yes",
    "repl-diskless-sync-delay 0",
    "daemonize no",
    `logfile ""`,
    "loglevel notice",
  ];
  if (input.replicaof !== null) lines.push(`replicaof ${input.replicaof} ${REDIS_PORT}`);
  return `${lines.join("\n")}\n`;
}

export function dataNodeConfig(input: {
  readonly host: string;
  readonly address: string;
  readonly cluster_id: string;
  readonly master_name: string;
  readonly nats_url: string;
  readonly redis_config_path: string;
  readonly state_dir: string;
  /**
   * Every agent's address: the data-node also asks them for its write lease over REST while
   * NATS is away (the failsafe, as `sentinel-plane up` deploys it); null: no failsafe.
   */
  readonly failsafe_agents: readonly string[] | null;
}): Record<string, unknown> {
  return {
    ...(input.failsafe_agents === null
      ? {}
      : {
          failsafe: {
            agents: input.failsafe_agents.map((address) => `http://${address}:${REST_PORT}`),
            token: LEASE_TOKEN,
          },
        }),
    node_id: `node-${input.host}`,
    cluster_id: input.cluster_id,
    master_name: input.master_name,
    nats: { servers: [input.nats_url], ...LAB_NATS_TIMINGS },
    // Loopback, so the data-node still reaches its server when the host is cut off (a downed
    // link takes its addresses' local routes with it); the control plane knows the host address.
    redis: { host: "127.0.0.1", port: REDIS_PORT },
    announce_host: input.address,
    announce_port: REDIS_PORT,
    mode: "supervise",
    redis_config_path: input.redis_config_path,
    state_dir: input.state_dir,
    poll_interval_ms: 100,
    probe_timeout_ms: 300,
    // The fault shapes stop and restart data-nodes as faults: a SIGTERM is a plain stop here,
    // not the switchover on shutdown (issue 18) the product does by default.
    shutdown_switchover_timeout_ms: 0,
  };
}

export interface AgentConfInput {
  readonly address: string;
  readonly myid: string;
  readonly primary_address: string;
  readonly master_name: string;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  readonly nats_url: string;
  readonly cluster_id: string;
  readonly state_dir: string;
  /** More sentinel.conf lines (e.g. `sentinel client-reconfig-script mymaster /path`). */
  readonly extra_lines: readonly string[];
  /** Serve the data-nodes' failsafe lease route (REST on REST_PORT, LEASE_TOKEN). */
  readonly failsafe: boolean;
}

/** A sentinel.conf as an existing Sentinel deployment has it, plus our `sentinel-plane` lines. */
export function agentConfLines(input: AgentConfInput): string[] {
  const m = input.master_name;
  return [
    `port ${SENTINEL_PORT}`,
    `bind ${input.address}`,
    `sentinel myid ${input.myid}`,
    `sentinel announce-ip ${input.address}`,
    `sentinel monitor ${m} ${input.primary_address} ${REDIS_PORT} ${input.quorum}`,
    `sentinel down-after-milliseconds ${m} ${input.down_after_ms}`,
    `sentinel failover-timeout ${m} ${input.failover_timeout_ms}`,
    ...input.extra_lines,
    ...(input.failsafe
      ? [`sentinel-plane rest-port ${REST_PORT}`, `sentinel-plane rest-token ${LEASE_TOKEN} lease`]
      : []),
    `sentinel-plane nats-servers ${input.nats_url}`,
    `sentinel-plane cluster-id ${input.cluster_id}`,
    `sentinel-plane state-dir ${input.state_dir}`,
  ];
}

export interface VipSettings {
  readonly address: string;
  readonly prefix_length: number;
  readonly lease_ms: number;
  readonly reconcile_interval_ms: number;
  readonly kv_timeout_ms: number;
}

export function vipManagerConfig(input: {
  readonly host: string;
  readonly address: string;
  readonly cluster_id: string;
  readonly master_name: string;
  readonly nats_url: string;
  readonly vip: VipSettings;
}): Record<string, unknown> {
  return {
    cluster_id: input.cluster_id,
    host_name: input.host,
    nats: { servers: [input.nats_url], ...LAB_NATS_TIMINGS },
    host_addresses: [`${input.address}:${REDIS_PORT}`],
    vips: [
      {
        master_name: input.master_name,
        vip: input.vip.address,
        prefix_length: input.vip.prefix_length,
        interface: IFNAME,
      },
    ],
    lease_ms: input.vip.lease_ms,
    reconcile_interval_ms: input.vip.reconcile_interval_ms,
    kv_timeout_ms: input.vip.kv_timeout_ms,
    log_level: "info",
  };
}

/** A deterministic Sentinel id (40 hex chars) per host, so the fixture knows every agent's id. */
export function agentMyid(host_index: number): string {
  return (host_index + 1).toString(16).padStart(2, "0").repeat(20);
}
