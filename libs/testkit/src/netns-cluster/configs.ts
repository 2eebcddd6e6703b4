// The configuration files of a namespace cluster, as pure functions of the hosts' addresses:
// redis.conf, the data-node's JSON, the agent's sentinel.conf lines and the vip-manager's JSON.
// Every service on a host announces that host's 10.x address, so the control plane names each
// Redis by the address clients and vip-managers see. With a LabSecurity (security.ts) every file
// turns the security on: TLS on each link, NATS users, the Sentinel port's users, REST tokens.
import { tlsOnlyServerLines } from "@sentinel-plane/runtime";
import type { NatsIdentity } from "@sentinel-plane/protocol";
import type { LabSecurity } from "./security.js";
import { natsCredentialOf, serviceTlsFiles } from "./security.js";

/** Ports are per namespace, so they are fixed (none of the reserved well-known ones). */
export const REDIS_PORT = 7379;
export const SENTINEL_PORT = 27379;
export const NATS_PORT = 14222;
export const IFNAME = "eth0";
/**
 * The agents' REST port when security is on (https) or the data-nodes' failsafe uses it
 * (`sentinel-plane rest-port`).
 */
export const REST_PORT = 18080;

/** A data-node's failsafe token: an agent REST token of the lease role bound to that node. */
export function labLeaseToken(node_id: string): string {
  return `lab-lease-token-${node_id}-0123456789abcdef`;
}

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
export function redisConfigText(input: {
  readonly dir: string;
  readonly replicaof: string | null;
  /** TLS only on REDIS_PORT, client certificates required, replication over TLS. */
  readonly security?: LabSecurity | null;
}): string {
  const security = input.security ?? null;
  const lines = [
    ...(security === null
      ? [`port ${REDIS_PORT}`]
      : tlsOnlyServerLines(REDIS_PORT, serviceTlsFiles(security))),
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
  readonly security?: LabSecurity | null;
  /**
   * Every agent's address: the data-node also asks them for its write lease over REST while
   * NATS is away (the failsafe, as `sentinel-plane up` deploys it); null: no failsafe.
   */
  readonly failsafe_agents: readonly string[] | null;
}): Record<string, unknown> {
  const node_id = dataNodeId(input.host);
  const security = input.security ?? null;
  const tls = security === null ? {} : { tls: serviceTlsFiles(security) };
  const credential = security === null ? {} : natsCredentialOf(security, { role: "data-node", id: node_id });
  return {
    ...(input.failsafe_agents === null
      ? {}
      : {
          failsafe: {
            agents: input.failsafe_agents.map((address) => `http://${address}:${REST_PORT}`),
            token: labLeaseToken(node_id),
          },
        }),
    node_id,
    cluster_id: input.cluster_id,
    master_name: input.master_name,
    nats: { servers: [input.nats_url], ...LAB_NATS_TIMINGS, ...credential, ...tls },
    // Loopback, so the data-node still reaches its server when the host is cut off (a downed
    // link takes its addresses' local routes with it); the control plane knows the host address.
    redis: { host: "127.0.0.1", port: REDIS_PORT, ...tls },
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
  readonly security?: LabSecurity | null;
  /** Serve these data-nodes' failsafe lease route (REST on REST_PORT, labLeaseToken); [] none. */
  readonly failsafe_nodes: readonly string[];
}

/** A sentinel.conf as an existing Sentinel deployment has it, plus our `sentinel-plane` lines. */
export function agentConfLines(input: AgentConfInput): string[] {
  const m = input.master_name;
  const security = input.security ?? null;
  return [
    ...(security === null ? [`port ${SENTINEL_PORT}`] : agentSecurityLines(input.myid, security)),
    `bind ${input.address}`,
    `sentinel myid ${input.myid}`,
    `sentinel announce-ip ${input.address}`,
    `sentinel monitor ${m} ${input.primary_address} ${REDIS_PORT} ${input.quorum}`,
    `sentinel down-after-milliseconds ${m} ${input.down_after_ms}`,
    `sentinel failover-timeout ${m} ${input.failover_timeout_ms}`,
    ...input.extra_lines,
    // With security on, the REST port is already https (agentSecurityLines).
    ...(input.failsafe_nodes.length > 0 && security === null
      ? [`sentinel-plane rest-port ${REST_PORT}`]
      : []),
    ...input.failsafe_nodes.map(
      (node_id) => `sentinel-plane rest-token ${labLeaseToken(node_id)} lease ${node_id}`,
    ),
    `sentinel-plane nats-servers ${input.nats_url}`,
    `sentinel-plane cluster-id ${input.cluster_id}`,
    `sentinel-plane state-dir ${input.state_dir}`,
  ];
}

/**
 * A TLS-only Sentinel port requiring client certificates, TLS to Redis, https REST with two
 * tokens, the Sentinel port's users, and the agent's NATS user over TLS.
 */
function agentSecurityLines(myid: string, security: LabSecurity): string[] {
  const files = serviceTlsFiles(security);
  const nats = natsCredentialOf(security, agentIdentity(myid));
  const user = (c: { readonly user: string; readonly pass: string }, category: string): string =>
    `user ${c.user} on >${c.pass} +${category}`;
  return [
    ...tlsOnlyServerLines(SENTINEL_PORT, files),
    `requirepass ${security.sentinel_admin_pass}`,
    user(security.sentinel_read, "@sp-read"),
    user(security.sentinel_operate, "@sp-operate"),
    `sentinel-plane rest-port ${REST_PORT}`,
    "sentinel-plane rest-tls yes",
    `sentinel-plane rest-token ${security.rest_admin_token} admin`,
    `sentinel-plane rest-token ${security.rest_operate_token} operate`,
    `sentinel-plane nats-user ${nats.user}`,
    `sentinel-plane nats-pass ${nats.pass}`,
    `sentinel-plane nats-tls-ca-file ${files.ca_file}`,
    `sentinel-plane nats-tls-cert-file ${files.cert_file}`,
    `sentinel-plane nats-tls-key-file ${files.key_file}`,
  ];
}

export function agentIdentity(myid: string): NatsIdentity {
  return { role: "agent", id: myid };
}

export function vipManagerIdentity(host: string): NatsIdentity {
  return { role: "vip-manager", id: host };
}

export function dataNodeId(host: string): string {
  return `node-${host}`;
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
  readonly security?: LabSecurity | null;
}): Record<string, unknown> {
  const security = input.security ?? null;
  const nats_security =
    security === null
      ? {}
      : {
          ...natsCredentialOf(security, vipManagerIdentity(input.host)),
          tls: serviceTlsFiles(security),
        };
  return {
    cluster_id: input.cluster_id,
    host_name: input.host,
    nats: { servers: [input.nats_url], ...LAB_NATS_TIMINGS, ...nats_security },
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
