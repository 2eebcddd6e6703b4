// Promotion limits end to end (issue 18 item 3): nats-server, a primary and two replicas with their
// data-nodes, three agents, all real processes on loopback. Both replicas are made to lag (CLIENT
// PAUSE WRITE on them: they keep answering PING and INFO and keep reading the replication stream,
// but apply none of it), the primary takes writes, then it is SIGKILLed. With
// max-promotion-lag-bytes set (through REST), the automatic failover aborts with
// `-failover-abort-lagging-slaves` instead of promoting a stale replica; a manual failover without
// force is refused; a forced one promotes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS, THREE_AGENTS, discovered, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";

const MASTER = "plmaster";
const LIMIT_BYTES = 10_000;
/** 100 writes of 1 KB: ten times the limit behind. */
const WRITES = 100;
/** Long enough for the whole test; lifted at the end (the processes are stopped anyway). */
const PAUSE_MS = 120_000;

async function rest(
  cluster: Cluster,
  agent: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const port = cluster.agents[agent]?.rest_port ?? assert.fail(`no agent ${agent}`);
  const response = await fetch(`http://127.0.0.1:${port}/v1/masters/${MASTER}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${REST_TOKEN_DEFAULT}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, json: await response.json() };
}

/** Every agent's REST view shows both replicas more than the limit behind the primary. */
async function everyAgentSeesLag(cluster: Cluster): Promise<void> {
  await eventually(
    "every agent sees both replicas beyond the limit",
    async () => {
      for (let agent = 0; agent < cluster.agents.length; agent += 1) {
        const { json } = await rest(cluster, agent, "GET", "/replicas");
        const replicas = (json as { replicas?: { lag_bytes: number | null }[] }).replicas ?? [];
        if (replicas.length < 2 || replicas.some((r) => (r.lag_bytes ?? 0) <= LIMIT_BYTES)) return null;
      }
      return true;
    },
    { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
  );
}

void test("a lagging replica is not promoted beyond max-promotion-lag-bytes; a forced failover promotes it", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
      master_name: MASTER,
      // The killed primary must stay dead: the test is about a failover without it.
      data_node_config: { restart_on_exit: false },
    });
    const [primary, r1, r2] = cluster.redis;
    assert.ok(primary && r1 && r2);
    await discovered(cluster);
    await writable(cluster, primary.port);

    // Set through one agent's REST API; the others apply the propagated SENTINEL SET.
    const set = await rest(cluster, 0, "PATCH", "", { max_promotion_lag_bytes: LIMIT_BYTES });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    await eventually(
      "every agent has the limit",
      async () => {
        for (let agent = 0; agent < cluster.agents.length; agent += 1) {
          const { json } = await rest(cluster, agent, "GET", "");
          const settings = (json as { settings?: { max_promotion_lag_bytes?: number } }).settings;
          if (settings?.max_promotion_lag_bytes !== LIMIT_BYTES) return null;
        }
        return true;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );

    const replicas = [await redisClient(procs, r1.port), await redisClient(procs, r2.port)];
    for (const replica of replicas) await replica.call("CLIENT", "PAUSE", String(PAUSE_MS), "WRITE");
    const writer = await redisClient(procs, primary.port);
    const value = "x".repeat(1000);
    for (let i = 0; i < WRITES; i += 1) await writer.set(`lag:${i}`, value);
    await everyAgentSeesLag(cluster);

    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const aborted = await cluster.waitForEvent((e) => e.name === "-failover-abort-lagging-slaves", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.match(aborted.event.text, /#lag-bytes (\d+)/);
    const lag = Number(/#lag-bytes (\d+)/.exec(aborted.event.text)?.[1]);
    assert.ok(lag > LIMIT_BYTES, `the best replica is ${lag} bytes behind (${aborted.event.text})`);
    assert.equal(cluster.named("+selected-slave", mark).length, 0, "no replica was selected");
    assert.equal(cluster.named("+promoted-slave", mark).length, 0, "nothing was promoted");
    assert.equal(cluster.named("+switch-master", mark).length, 0);

    // A manual failover without force is refused up front, with the reason.
    const refused = await eventually(
      "a refusal (not INPROG)",
      async () => {
        const answer = await rest(cluster, 0, "POST", "/failover", {});
        const code = (answer.json as { code?: string }).code;
        return answer.status === 409 && code !== "SP_ERR_FAILOVER_IN_PROGRESS" ? answer : null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 200 },
    );
    assert.match(JSON.stringify(refused.json), /max-promotion-lag/);

    // Forced: agent 0 may still be in an attempt of its own (INPROG): asked again until accepted.
    const forced_mark = cluster.events.length;
    await eventually(
      "the forced failover is accepted",
      async () =>
        (await rest(cluster, 0, "POST", "/failover", { force: true })).status === 202 ? true : null,
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 200 },
    );
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: forced_mark,
    });
    const forced = cluster.named("+promotion-lag-forced", forced_mark);
    assert.equal(forced.length, 1, "the leader said it promoted a lagging replica");
    const forced_text = forced[0]?.event.text ?? "";
    const new_port = [r1.port, r2.port].find((p) => switched.event.text.endsWith(` ${p}`));
    assert.ok(new_port !== undefined, switched.event.text);
    assert.ok(forced_text.includes(`:${new_port} `), `${forced_text} names the promoted replica ${new_port}`);
    for (const replica of replicas) await replica.call("CLIENT", "UNPAUSE").catch(() => undefined);
  });
});
