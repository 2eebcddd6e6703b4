// Both sides of the throughput benchmark, each a realistic minimal deployment of its own:
// ours: nats-server, 1 primary + 2 replicas with data-nodes, 3 agents (startCluster);
// theirs: 1 primary + 2 replicas (own redis-servers), 3 Redis Sentinels. Same quorum and timers.
import { LOOPBACK, startCluster } from "@sentinel-plane/testkit";
import type { Harness } from "@sentinel-plane/testkit";
import type { Redis } from "@sentinel-plane/runtime";
import { pollUntil, sentinelClient } from "../lib/sentinel-query.js";

export const MASTER_NAME = "mymaster";
export const SHAPE = {
  replicas: 2,
  sentinels: 3,
  quorum: 2,
  down_after_ms: 30_000,
  failover_timeout_ms: 180_000,
};

/** The one Sentinel-protocol endpoint (and, for ours, the REST port) a benchmark targets. */
export interface Target {
  readonly side: "sentinel" | "ours";
  readonly sentinel_port: number;
  readonly rest_port: number | null;
  readonly pid: number;
  /** Our agent's nats-server (the topology route reads the KV through it); null for Sentinel. */
  readonly nats_pid: number | null;
  /** The primary's port, for checking the answer before measuring it. */
  readonly primary_port: number;
}

const READY_TIMEOUT_MS = 60_000;

/** Until the target answers with the primary and sees both replicas and both other Sentinels. */
async function ready(port: number, primary_port: number): Promise<void> {
  const client: Redis = await sentinelClient(port, "bench-throughput");
  try {
    await pollUntil(
      `sentinel port ${port} ready`,
      async () => {
        const addr = await client.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        const master = await client.call("SENTINEL", "MASTER", MASTER_NAME);
        const fields = new Map<string, string>();
        if (Array.isArray(master))
          for (let i = 0; i + 1 < master.length; i += 2) fields.set(String(master[i]), String(master[i + 1]));
        return (
          Array.isArray(addr) &&
          String(addr[1]) === String(primary_port) &&
          fields.get("num-slaves") === String(SHAPE.replicas) &&
          fields.get("num-other-sentinels") === String(SHAPE.sentinels - 1)
        );
      },
      READY_TIMEOUT_MS,
    );
  } finally {
    client.disconnect();
  }
}

export async function startSentinelSide(procs: Harness): Promise<Target> {
  const primary = await procs.startRedis({ name: "primary" });
  for (let i = 0; i < SHAPE.replicas; i++) {
    await procs.startRedis({ name: `replica-${i + 1}`, replicaof: { host: LOOPBACK, port: primary.port } });
  }
  const sentinels = [];
  for (let i = 0; i < SHAPE.sentinels; i++) {
    sentinels.push(
      await procs.startRedisSentinel({
        master_name: MASTER_NAME,
        host: LOOPBACK,
        port: primary.port,
        quorum: SHAPE.quorum,
        config_lines: [
          `sentinel down-after-milliseconds ${MASTER_NAME} ${SHAPE.down_after_ms}`,
          `sentinel failover-timeout ${MASTER_NAME} ${SHAPE.failover_timeout_ms}`,
        ],
      }),
    );
  }
  const first = sentinels[0];
  if (first === undefined) throw new Error("no sentinel started");
  await ready(first.port, primary.port);
  return {
    side: "sentinel",
    sentinel_port: first.port,
    rest_port: null,
    pid: first.process.pid,
    nats_pid: null,
    primary_port: primary.port,
  };
}

export async function startOurSide(procs: Harness): Promise<Target> {
  const cluster = await startCluster(procs, {
    replicas: SHAPE.replicas,
    agents: SHAPE.sentinels,
    quorum: SHAPE.quorum,
    down_after_ms: SHAPE.down_after_ms,
    failover_timeout_ms: SHAPE.failover_timeout_ms,
    master_name: MASTER_NAME,
  });
  const agent = cluster.agents[0];
  const primary = cluster.redis[0];
  if (agent === undefined || primary === undefined) throw new Error("cluster without agent or primary");
  await ready(agent.sentinel_port, primary.port);
  return {
    side: "ours",
    sentinel_port: agent.sentinel_port,
    rest_port: agent.rest_port,
    pid: agent.process.pid,
    nats_pid: cluster.nats.pid,
    primary_port: primary.port,
  };
}
