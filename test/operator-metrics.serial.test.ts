// Metrics an operator alerts on (issue 16), on every agent: the primary and the replicas that
// answer (a SIGKILLed replica stops counting), per-replica up/link/lag, NATS, process/runtime
// metrics, probe latency by instance, and failovers counted from the committed topology by every
// agent, not only the leader.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LOOPBACK, startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { redisPid } from "./support/redis.js";

const WAIT_MS = 30_000;

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://${LOOPBACK}:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
  assert.equal(response.status, 200);
  return response.text();
}

/** The value of one sample (`name{labels} value`), or null when absent. */
function sample(text: string, series: string): number | null {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return null;
}

/** Scrapes every agent until `ok` holds for each (the gauges follow probes and INFO periods). */
async function everyAgent(cluster: Cluster, ok: (text: string) => boolean, what: string): Promise<string[]> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const texts = await Promise.all(cluster.agents.map((a) => scrape(a.rest_port)));
    if (texts.every(ok)) return texts;
    if (Date.now() > deadline) {
      const failing = texts.findIndex((t) => !ok(t));
      throw new Error(`agent-${failing}: ${what}; its metrics:\n${texts[failing]?.slice(0, 4000) ?? ""}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

void test("every agent reports masters, replicas (a killed one not up), lag, NATS, runtime, and failovers from the committed topology", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
      // The killed replica must stay down long enough for every agent's metrics to say so: no
      // self-healing restart (issue 18) 1 s later.
      data_node_config: { restart_on_exit: false },
    });
    const master = cluster.master_name;
    const [primary, replica1, replica2] = cluster.redis;
    assert.ok(primary && replica1 && replica2);
    const r1 = `${LOOPBACK}:${replica1.port}`;
    const r2 = `${LOOPBACK}:${replica2.port}`;

    const healthy = await everyAgent(
      cluster,
      (text) =>
        sample(text, `sp_master_up{master="${master}"}`) === 1 &&
        sample(text, `sp_master_replicas_up{master="${master}"}`) === 2 &&
        sample(text, `sp_replica_link_up{master="${master}",replica="${r1}"}`) === 1 &&
        // The lag in seconds comes from the primary's INFO, which lists a replica only once its
        // link is up there: an agent's last INFO of the primary may predate r1's link.
        sample(text, `sp_replica_lag_seconds{master="${master}",replica="${r1}"}`) !== null,
      "primary and both replicas up, r1's lag known",
    );
    for (const text of healthy) {
      assert.equal(sample(text, `sp_replica_up{master="${master}",replica="${r2}"}`), 1);
      assert.ok((sample(text, `sp_replica_lag_bytes{master="${master}",replica="${r1}"}`) ?? -1) >= 0);
      assert.ok((sample(text, `sp_replica_lag_seconds{master="${master}",replica="${r1}"}`) ?? -1) >= 0);
      assert.equal(sample(text, "sp_nats_connected"), 1);
      assert.match(text, /^process_resident_memory_bytes \d+/m);
      assert.match(text, /^nodejs_eventloop_lag_seconds /m);
      assert.match(
        text,
        new RegExp(
          `^sp_probe_latency_seconds_count\\{kind="ping",ok="true",instance="${LOOPBACK}:${primary.port}"\\} [1-9]`,
          "m",
        ),
      );
    }

    process.kill(await redisPid(procs, replica2.port), "SIGKILL");
    const after_kill = await everyAgent(
      cluster,
      (text) =>
        sample(text, `sp_master_replicas_up{master="${master}"}`) === 1 &&
        sample(text, `sp_replica_up{master="${master}",replica="${r2}"}`) === 0,
      "the killed replica no longer up",
    );
    for (const text of after_kill) assert.equal(sample(text, `sp_master_up{master="${master}"}`), 1);

    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    await cluster.waitForEvent((e) => e.name === "+failover-end", { timeout_ms: WAIT_MS, since_index: mark });
    const after_failover = await everyAgent(
      cluster,
      (text) => sample(text, `sp_failovers_total{master="${master}",outcome="end"}`) === 1,
      "one failover counted",
    );
    for (const text of after_failover) {
      assert.ok((sample(text, `sp_failover_last_duration_seconds{master="${master}"}`) ?? 0) > 0);
    }
  });
});
