// A cluster on an Infra: NATS and Redis from the Infra (processes or containers), data-nodes in
// attach mode beside each Redis (a container's redis-server is not their child, so the same mode
// is used for both), and sentinel-agents as processes. What cross-service tests need to run the
// same scenario in both modes.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_ENTRY, DATA_NODE_ENTRY } from "../cluster/cluster.js";
import type { Harness } from "../process/harness.js";
import { freePort, LOOPBACK } from "../process/ports.js";
import type { ServiceProcess } from "../process/service.js";
import type { Infra, InfraNats, InfraRedis } from "./infra.js";

export interface InfraClusterOptions {
  readonly master_name: string;
  readonly replicas: number;
  readonly agents: number;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
}

export interface InfraCluster {
  readonly cluster_id: string;
  readonly nats: InfraNats;
  /** Primary first. */
  readonly redis: readonly InfraRedis[];
  readonly data_nodes: readonly ServiceProcess[];
  readonly agents: readonly { readonly sentinel_port: number; readonly process: ServiceProcess }[];
}

const START_TIMEOUT_MS = 30_000;

export async function startInfraCluster(
  procs: Harness,
  infra: Infra,
  options: InfraClusterOptions,
): Promise<InfraCluster> {
  const cluster_id = `c${Math.floor(Math.random() * 1e9).toString(36)}`;
  const nats = await infra.startNats(`nats-${cluster_id}`);
  const primary = await infra.startRedis({ name: "redis-0" });
  const redis: InfraRedis[] = [primary];
  for (let i = 1; i <= options.replicas; i++) {
    redis.push(
      await infra.startRedis({ name: `redis-${i}`, replicaof: { host: primary.host, port: primary.port } }),
    );
  }
  const data_nodes: ServiceProcess[] = [];
  for (const [i, r] of redis.entries()) {
    const dir = await procs.tempDir(`data-node-${i}`);
    const config_path = join(dir, "data-node.json");
    await writeFile(
      config_path,
      JSON.stringify({
        node_id: `node-${i}`,
        cluster_id,
        master_name: options.master_name,
        nats: { servers: [nats.url] },
        redis: { host: r.host, port: r.port },
        mode: "attach",
        state_dir: join(dir, "state"),
        poll_interval_ms: 100,
        probe_timeout_ms: 300,
      }),
    );
    const service = await procs.spawnService({
      name: `data-node-${i}`,
      entry: DATA_NODE_ENTRY,
      args: ["--config", config_path],
    });
    await service.waitForLog((rec) => rec["event"] === "commands_ready", { timeout_ms: START_TIMEOUT_MS });
    data_nodes.push(service);
  }
  const agents: { sentinel_port: number; process: ServiceProcess }[] = [];
  for (let i = 0; i < options.agents; i++) {
    const dir = await procs.tempDir(`agent-${i}`);
    const sentinel_port = await freePort();
    const config_path = join(dir, "sentinel.conf");
    const name = options.master_name;
    await writeFile(
      config_path,
      [
        `port ${sentinel_port}`,
        `bind ${LOOPBACK}`,
        `sentinel announce-ip ${LOOPBACK}`,
        `sentinel monitor ${name} ${primary.host} ${primary.port} ${options.quorum}`,
        `sentinel down-after-milliseconds ${name} ${options.down_after_ms}`,
        `sentinel failover-timeout ${name} ${options.failover_timeout_ms}`,
        `sentinel-plane nats-servers ${nats.url}`,
        `sentinel-plane cluster-id ${cluster_id}`,
        `sentinel-plane state-dir ${dir}`,
        `sentinel-plane rest-port ${await freePort()}`,
        "",
      ].join("\n"),
    );
    const service = await procs.spawnService({ name: `agent-${i}`, entry: AGENT_ENTRY, args: [config_path] });
    await service.waitForLog((rec) => rec["msg"] === "sentinel-agent started", {
      timeout_ms: START_TIMEOUT_MS,
    });
    agents.push({ sentinel_port, process: service });
  }
  return { cluster_id, nats, redis, data_nodes, agents };
}
