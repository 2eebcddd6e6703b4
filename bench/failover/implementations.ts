// The two implementations behind one interface: each starts 1 primary + 2 replicas (real
// redis-server) and 3 sentinels speaking the Sentinel protocol, through a fresh Harness that owns
// every process (teardown = Harness.teardown). Both get the same monitor settings.
import { startCluster } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import { LOOPBACK, redisPid } from "./clients.js";
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
    const cluster = await startCluster(procs, {
      replicas: REPLICAS,
      agents: SENTINELS,
      quorum: QUORUM,
      down_after_ms,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      master_name: MASTER_NAME,
      agent_lines: [`sentinel parallel-syncs ${MASTER_NAME} ${PARALLEL_SYNCS}`],
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
  ],
  async start(procs, down_after_ms) {
    const primary = await procs.startRedis({ name: "primary" });
    const replicas = [];
    for (let i = 0; i < REPLICAS; i++) {
      replicas.push(
        await procs.startRedis({
          name: `replica-${i + 1}`,
          replicaof: { host: LOOPBACK, port: primary.port },
        }),
      );
    }
    const sentinel_ports: number[] = [];
    for (let i = 0; i < SENTINELS; i++) {
      const started = await procs.startRedisSentinel({
        master_name: MASTER_NAME,
        host: LOOPBACK,
        port: primary.port,
        quorum: QUORUM,
        config_lines: monitorLines(down_after_ms),
      });
      sentinel_ports.push(started.port);
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

export function implementation(name: ImplName): Implementation {
  return name === "ours" ? ours : sentinel;
}
