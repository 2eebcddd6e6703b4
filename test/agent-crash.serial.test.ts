// sentinel-agent end to end (issue 4): the leader dies at a crash point (as Sentinel's
// SIMULATE-FAILURE) and the failover still ends with exactly one primary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { THREE_AGENTS, EVENT_TIMEOUT_MS, discovered } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";

void test("the leader crashes right after its election: the failover still ends with exactly one primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const marker = `${await procs.tempDir("crash")}/crashed`;
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      agent_env: { SP_SIMULATE_FAILURE: "crash-after-election", SP_SIMULATE_FAILURE_ONCE_FILE: marker },
    });
    await assertOnePrimaryAfterLeaderCrash(cluster, procs);
  });
});

void test("the leader crashes right after the promotion: the failover still ends with exactly one primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const marker = `${await procs.tempDir("crash")}/crashed`;
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      agent_env: { SP_SIMULATE_FAILURE: "crash-after-promotion", SP_SIMULATE_FAILURE_ONCE_FILE: marker },
    });
    await assertOnePrimaryAfterLeaderCrash(cluster, procs);
  });
});

async function assertOnePrimaryAfterLeaderCrash(
  cluster: Cluster,
  procs: Parameters<Parameters<typeof withProcesses>[1]>[0],
): Promise<void> {
  const [primary, ...replicas] = cluster.redis;
  assert.ok(primary);
  await discovered(cluster);
  const mark = cluster.events.length;
  process.kill(await redisPid(procs, primary.port), "SIGKILL");
  // The two surviving agents switch; the crashed one cannot.
  await eventually(
    "+switch-master on the surviving agents",
    () =>
      Promise.resolve(
        new Set(cluster.named("+switch-master", mark).map((s) => s.event.agent)).size >= 2 ? true : null,
      ),
    { timeout_ms: 3 * EVENT_TIMEOUT_MS, interval_ms: 50 },
  );
  const crashed = cluster.agents.filter((a) => a.process.process.exitInfo !== null);
  assert.equal(crashed.length, 1, "exactly one agent crashed at the crash point");
  // Exactly one writable primary among the replicas, and the other follows it.
  const roles = await eventually(
    "one primary, one replica following it",
    async () => {
      const seen: { port: number; role: string; master_port: string | undefined }[] = [];
      for (const r of replicas) {
        const info = await (await redisClient(procs, r.port)).info("replication");
        seen.push({
          port: r.port,
          role: /role:(\w+)/.exec(info)?.[1] ?? "?",
          master_port: /master_port:(\d+)/.exec(info)?.[1],
        });
      }
      const masters = seen.filter((s) => s.role === "master");
      if (masters.length !== 1) return null;
      const follower = seen.find((s) => s.role === "slave");
      return follower?.master_port === String(masters[0]?.port) ? seen : null;
    },
    { timeout_ms: 3 * EVENT_TIMEOUT_MS, interval_ms: 200 },
  );
  assert.equal(roles.filter((r) => r.role === "master").length, 1);
}
