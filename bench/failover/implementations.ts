// The two implementations behind one interface: each starts 1 primary + 2 replicas (real
// redis-server) and 3 sentinels speaking the Sentinel protocol, through a fresh Harness that owns
// every process (teardown = Harness.teardown). Both get the same monitor settings.
import { freePort, startCluster } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import { LOOPBACK, redisPid } from "./clients.js";
import { securityMode } from "./security.js";
import type { SecurityMode, TlsFilesUsed } from "./security.js";
import type { ImplName } from "./types.js";

export const MASTER_NAME = "mymaster";
export const REPLICAS = 2;
export const SENTINELS = 3;
export const QUORUM = 2;
export const FAILOVER_TIMEOUT_MS = 10_000;
export const PARALLEL_SYNCS = 1;

export interface Deployment {
  readonly impl: ImplName;
  readonly master_name: string;
  readonly primary_port: number;
  readonly replica_ports: readonly number[];
  readonly sentinel_ports: readonly number[];
  /**
   * Processes that share the primary's host besides its redis-server and would be cut off with it
   * in a partition (ours: the supervising data-node). Left running on a kill or a hang.
   */
  readonly host_pids: readonly number[];
}

export interface Implementation {
  readonly name: ImplName;
  /** The settings this side runs with, for the results. */
  settings(down_after_ms: number): readonly string[];
  start(procs: Harness, down_after_ms: number): Promise<Deployment>;
}

/** The sentinel.conf lines both sides run with, besides `sentinel monitor ... 2`. */
function monitorLines(down_after_ms: number): string[] {
  return [
    `sentinel down-after-milliseconds ${MASTER_NAME} ${down_after_ms}`,
    `sentinel failover-timeout ${MASTER_NAME} ${FAILOVER_TIMEOUT_MS}`,
    `sentinel parallel-syncs ${MASTER_NAME} ${PARALLEL_SYNCS}`,
  ];
}

const common = (down_after_ms: number): string[] => [
  `sentinel monitor ${MASTER_NAME} ${LOOPBACK} <port> ${QUORUM}`,
  ...monitorLines(down_after_ms),
  'redis-server 7.0.15: port, bind 127.0.0.1, save "", appendonly no, repl-diskless-sync yes, repl-diskless-sync-delay 0',
];

export const ours: Implementation = {
  name: "ours",
  settings: (down_after_ms) => [
    ...common(down_after_ms),
    `${SENTINELS} sentinel-agents (testkit startCluster) + nats-server -js; each redis-server supervised by a data-node (poll_interval_ms 100, probe_timeout_ms 300)`,
    "every other agent setting at its default",
  ],
  async start(procs, down_after_ms) {
    const mode = securityMode();
    const cluster = await startCluster(procs, {
      replicas: REPLICAS,
      agents: SENTINELS,
      quorum: QUORUM,
      down_after_ms,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      master_name: MASTER_NAME,
      agent_lines: [
        `sentinel parallel-syncs ${MASTER_NAME} ${PARALLEL_SYNCS}`,
        ...(mode.password === null ? [] : [`requirepass ${mode.password}`]),
      ],
      ...(mode.tls === null ? {} : { tls: mode.tls.files, sentinel_port_tls: true }),
    });
    const [primary, ...replicas] = cluster.redis;
    if (primary === undefined) throw new Error("startCluster returned no primary");
    // The data-nodes' redis-servers are not the harness's children: have it kill them too, so an
    // interrupted run (a data-node stopped mid-way) leaves no orphan behind.
    for (const node of cluster.redis) procs.adoptPid(await redisPid(node.port));
    return {
      impl: "ours",
      master_name: MASTER_NAME,
      primary_port: primary.port,
      replica_ports: replicas.map((r) => r.port),
      sentinel_ports: cluster.agents.map((a) => a.sentinel_port),
      host_pids: [primary.dataNode.pid],
    };
  },
};

export const sentinel: Implementation = {
  name: "sentinel",
  settings: (down_after_ms) => [
    ...common(down_after_ms),
    `${SENTINELS} x Debian redis-sentinel 7.0.15 (port, bind 127.0.0.1, dir, the lines above); every other Sentinel setting at its default`,
    ...(securityMode().password === null
      ? []
      : ["auth: requirepass and sentinel sentinel-pass on every sentinel"]),
    ...(securityMode().tls === null
      ? []
      : [
          "tls: sentinels TLS only (port 0, tls-port, announce-port); redis-servers tls-port + tls-replication + replica-announce-port, their plain port left open for the harness' start-up probe and used by nothing else",
        ]),
  ],
  async start(procs, down_after_ms) {
    const mode = securityMode();
    const primary = await startSideRedis(procs, mode, "primary", null);
    const replicas = [];
    for (let i = 0; i < REPLICAS; i++) {
      replicas.push(await startSideRedis(procs, mode, `replica-${i + 1}`, primary.port));
    }
    const sentinel_ports: number[] = [];
    for (let i = 0; i < SENTINELS; i++) {
      const tls_port = mode.tls === null ? null : await freePort();
      const started = await procs.startRedisSentinel({
        master_name: MASTER_NAME,
        host: LOOPBACK,
        port: primary.port,
        quorum: QUORUM,
        config_lines: [...monitorLines(down_after_ms), ...sentinelSecurityLines(mode, tls_port)],
      });
      sentinel_ports.push(tls_port ?? started.port);
    }
    return {
      impl: "sentinel",
      master_name: MASTER_NAME,
      primary_port: primary.port,
      replica_ports: replicas.map((r) => r.port),
      sentinel_ports,
      host_pids: [],
    };
  },
};

/** TLS server and client lines (Redis' names) with the run's certificates. */
function tlsLines(files: TlsFilesUsed, tls_port: number): string[] {
  return [
    `tls-port ${tls_port}`,
    `tls-cert-file ${files.cert_file}`,
    `tls-key-file ${files.key_file}`,
    `tls-ca-cert-file ${files.ca_file}`,
    "tls-auth-clients yes",
    "tls-replication yes",
  ];
}

/**
 * A redis-server of the Redis Sentinel side; `port` is what the sentinels and clients use (the
 * TLS port in TLS mode). With TLS, the harness' plain port stays open (its start-up probe speaks
 * plain RESP) but nothing else uses it: replication, sentinels and writers all go through TLS.
 */
async function startSideRedis(
  procs: Harness,
  mode: SecurityMode,
  name: string,
  primary_port: number | null,
): Promise<{ readonly port: number }> {
  const tls_port = mode.tls === null ? null : await freePort();
  const server = await procs.startRedis({
    name,
    ...(primary_port === null ? {} : { replicaof: { host: LOOPBACK, port: primary_port } }),
    ...(mode.tls === null || tls_port === null
      ? {}
      : { config_lines: [...tlsLines(mode.tls.files, tls_port), `replica-announce-port ${tls_port}`] }),
  });
  return { port: tls_port ?? server.port };
}

/** A Redis Sentinel's password and TLS lines: TLS only (`port 0`) on `tls_port`. */
function sentinelSecurityLines(mode: SecurityMode, tls_port: number | null): string[] {
  return [
    ...(mode.password === null
      ? []
      : [`requirepass ${mode.password}`, `sentinel sentinel-pass ${mode.password}`]),
    ...(mode.tls === null || tls_port === null
      ? []
      : ["port 0", ...tlsLines(mode.tls.files, tls_port), `sentinel announce-port ${tls_port}`]),
  ];
}

export function implementation(name: ImplName): Implementation {
  return name === "ours" ? ours : sentinel;
}
