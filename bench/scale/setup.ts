// The processes of one scale measurement: N small redis-servers (primaries, no replicas), one
// Redis Sentinel and one sentinel-agent (+ the nats-server it needs) monitoring all N with the
// same settings. The agent runs without data-nodes, so it does what Sentinel does here: probe.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AGENT_ENTRY, freePort, LOOPBACK, parseLogRecord, repoRoot } from "@sentinel-plane/testkit";
import type { Harness, ManagedProcess } from "@sentinel-plane/testkit";

export interface ScaleSettings {
  readonly primaries: number;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  /** maxmemory of each redis-server. */
  readonly redis_maxmemory: string;
  /** redis-servers starting at once. */
  readonly start_concurrency: number;
}

export interface ScaleSetup {
  readonly names: readonly string[];
  readonly redis_pids: readonly number[];
  readonly sentinel: { readonly port: number; readonly process: ManagedProcess };
  readonly agent: { readonly port: number; readonly process: ManagedProcess };
  readonly nats: { readonly pid: number };
  readonly start_ms: { readonly redis: number; readonly sentinel: number; readonly agent: number };
}

/** How the agent process is started. */
export interface AgentLaunch {
  /** Node options before the entry (e.g. --cpu-prof). */
  readonly node_args: readonly string[];
  /** A plain-JS bundle of the agent to run instead of `--import tsx <entry>` (null: tsx). */
  readonly bundle: string | null;
  /** Added to the agent's environment (e.g. MALLOC_ARENA_MAX, as the shipped units set it). */
  readonly env?: Readonly<Record<string, string>>;
}

const REST_TOKEN = "bench-scale-token-0123456789";
const AGENT_START_TIMEOUT_MS = 60_000;

export function masterName(index: number): string {
  return `m${String(index).padStart(3, "0")}`;
}

/** The sentinel.conf lines both sides share: monitor, down-after, failover-timeout per master. */
function monitorLines(settings: ScaleSettings, ports: readonly number[]): string[] {
  return ports.flatMap((port, i) => {
    const name = masterName(i);
    return [
      `sentinel monitor ${name} ${LOOPBACK} ${port} ${settings.quorum}`,
      `sentinel down-after-milliseconds ${name} ${settings.down_after_ms}`,
      `sentinel failover-timeout ${name} ${settings.failover_timeout_ms}`,
    ];
  });
}

async function startAgent(
  procs: Harness,
  settings: ScaleSettings,
  ports: readonly number[],
  nats_url: string,
  launch: AgentLaunch,
): Promise<{ readonly port: number; readonly process: ManagedProcess }> {
  const dir = await procs.tempDir("agent");
  const port = await freePort();
  const config_path = join(dir, "sentinel.conf");
  const lines = [
    `port ${port}`,
    `bind ${LOOPBACK}`,
    `sentinel announce-ip ${LOOPBACK}`,
    ...monitorLines(settings, ports),
    `sentinel-plane nats-servers ${nats_url}`,
    `sentinel-plane cluster-id bench-scale-${process.pid}`,
    `sentinel-plane state-dir ${dir}`,
    `sentinel-plane rest-port ${await freePort()}`,
    `sentinel-plane rest-token ${REST_TOKEN}`,
  ];
  await writeFile(config_path, `${lines.join("\n")}\n`);
  // Not spawnService: that one cannot pass node options such as --cpu-prof.
  const proc = await procs.spawnProcess({
    name: "sentinel-agent",
    command: process.execPath,
    args: [
      ...launch.node_args,
      ...(launch.bundle === null ? ["--import", "tsx", AGENT_ENTRY] : [launch.bundle]),
      config_path,
    ],
    cwd: repoRoot(),
    env: { SP_LOG_LEVEL: "info", ...launch.env },
  });
  await proc.waitForLine((line) => parseLogRecord(line)?.["msg"] === "sentinel-agent started", {
    timeout_ms: AGENT_START_TIMEOUT_MS,
    signal: procs.signal,
  });
  return { port, process: proc };
}

export async function startScaleSetup(
  procs: Harness,
  settings: ScaleSettings,
  launch: AgentLaunch,
): Promise<ScaleSetup> {
  let t = performance.now();
  const servers = await procs.startRedisMany(
    settings.primaries,
    (i) => ({
      name: `redis-${i}`,
      config_lines: [`maxmemory ${settings.redis_maxmemory}`],
    }),
    settings.start_concurrency,
  );
  const redis_ms = performance.now() - t;
  const ports = servers.map((s) => s.port);
  t = performance.now();
  const sentinel = await procs.startRedisSentinelFor(
    ports.map((port, i) => ({ master_name: masterName(i), host: LOOPBACK, port, quorum: settings.quorum })),
    {
      config_lines: ports.flatMap((_, i) => [
        `sentinel down-after-milliseconds ${masterName(i)} ${settings.down_after_ms}`,
        `sentinel failover-timeout ${masterName(i)} ${settings.failover_timeout_ms}`,
      ]),
    },
  );
  const sentinel_ms = performance.now() - t;
  // One agent measured alone: no per-identity NATS users (the harness default is on).
  const nats = await procs.startNats({ name: "nats-scale", auth: false });
  t = performance.now();
  const agent = await startAgent(procs, settings, ports, nats.url, launch);
  const agent_ms = performance.now() - t;
  return {
    names: ports.map((_, i) => masterName(i)),
    redis_pids: servers.map((s) => s.pid),
    sentinel,
    agent,
    nats: { pid: nats.pid },
    start_ms: { redis: redis_ms, sentinel: sentinel_ms, agent: agent_ms },
  };
}
