// Checks shared by the agent end-to-end tests (issue 4): discovery, the first unfence of the
// primary, and the timing constants they run with.
import type { Cluster } from "@sentinel-plane/testkit";
import { eventually, redisClient } from "./redis.js";

export const DOWN_AFTER_MS = 1000;
export const FAILOVER_TIMEOUT_MS = 10_000;
/** The usual test cluster: a primary, two replicas, three agents, quorum 2, down-after 1 s. */
export const THREE_AGENTS = {
  replicas: 2,
  agents: 3,
  quorum: 2,
  down_after_ms: DOWN_AFTER_MS,
  failover_timeout_ms: FAILOVER_TIMEOUT_MS,
} as const;

export const EVENT_TIMEOUT_MS = 20_000;

/** Waits until every agent has announced both replicas and both peers (discovery). */
export async function discovered(cluster: Cluster): Promise<void> {
  const agents = cluster.agents.length;
  const replicas = cluster.redis.length - 1;
  await eventually(
    "discovery",
    () => {
      const slaves = new Set(cluster.named("+slave").map((s) => `${s.event.agent} ${s.event.text}`));
      const sentinels = new Set(cluster.named("+sentinel").map((s) => `${s.event.agent} ${s.event.text}`));
      return Promise.resolve(
        slaves.size >= agents * replicas && sentinels.size >= agents * (agents - 1) ? true : null,
      );
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
}

/** Waits until the primary accepts writes (it starts fenced until the agents confirm it). */
export async function writable(cluster: Cluster, port: number): Promise<void> {
  await cluster.waitForEvent((e) => e.name === "+unfence-master" && e.text.includes(` ${port} `), {
    timeout_ms: EVENT_TIMEOUT_MS,
  });
  const client = await redisClient(cluster.procs, port);
  await eventually(
    "primary writable",
    async () => {
      await client.set("probe", "1"); // rejects with NOREPLICAS while fenced
      return true;
    },
    {
      timeout_ms: EVENT_TIMEOUT_MS,
      interval_ms: 50,
    },
  );
}

export function switchTexts(cluster: Cluster): string[] {
  return cluster.named("+switch-master").map((s) => s.event.text);
}
