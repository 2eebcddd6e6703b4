// The procedure of Redis's docs (and of Redis's own Sentinel test suite): every Sentinel is sent
// the same SENTINEL MONITOR in turn. Agents propagate a MONITOR to each other, so all but the
// first already know the master when their turn comes; each must still answer OK, write the
// master into its sentinel.conf, and keep refusing a conflicting MONITOR with Sentinel's error.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";

function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-p", String(port), ...args], { timeout: 20_000 }, (error, stdout) => {
      if (error) reject(new Error(`redis-cli ${args.join(" ")}: ${error.message}`));
      else resolve(stdout.trim());
    });
  });
}

void test("the same SENTINEL MONITOR sent to each agent in turn succeeds everywhere", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 0,
      agents: 3,
      quorum: 2,
      down_after_ms: 5000,
      failover_timeout_ms: 10_000,
    });
    const extra = await procs.startRedis({ name: "extra" });
    for (const agent of cluster.agents) {
      const reply = await redisCli(
        agent.sentinel_port,
        "SENTINEL",
        "MONITOR",
        "extra",
        "127.0.0.1",
        String(extra.port),
        "2",
      );
      assert.equal(reply, "OK", `agent ${agent.index}`);
      const conf = await readFile(agent.config_path, "utf8");
      assert.match(conf, new RegExp(`^sentinel monitor extra 127\\.0\\.0\\.1 ${extra.port} 2$`, "m"));
    }
    const first = cluster.agents[0];
    assert.ok(first);
    assert.equal(
      await redisCli(
        first.sentinel_port,
        "SENTINEL",
        "MONITOR",
        "extra",
        "127.0.0.1",
        String(extra.port),
        "3",
      ),
      "ERR Duplicate master name.",
    );
  });
});
