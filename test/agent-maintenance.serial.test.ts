// The operator's gate on automatic failovers end to end (issue 18, libs/core maintenance.ts): real
// nats-server, redis-servers with their data-nodes and 3 agents on loopback. Every wait is on an
// event; the "nothing happened" checks read the events that arrived before the awaited one.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { AgentNode, Cluster } from "@sentinel-plane/testkit";
import { THREE_AGENTS, EVENT_TIMEOUT_MS, discovered, writable } from "./support/agents.js";
import { redisClient, redisPid } from "./support/redis.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(ROOT, "services/cli/bin/sentinel-plane.mjs");

/** `sentinel-plane --agent <agent> --token <test token> ...args`; resolves with exit code and stdout. */
function cli(
  agent: AgentNode,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const base = ["--agent", `http://127.0.0.1:${agent.rest_port}`, "--token", REST_TOKEN_DEFAULT];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...base, ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** POST to one agent's REST API with the test token; returns status and JSON body. */
async function post(
  agent: AgentNode,
  path: string,
  body: unknown = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${agent.rest_port}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${REST_TOKEN_DEFAULT}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: await response.json() };
}

async function getMaster(agent: AgentNode, name: string): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${agent.rest_port}/v1/masters/${name}`, {
    signal: AbortSignal.timeout(15_000),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

/** Resolves once every agent emitted `name` (about the first master) since `mark`. */
async function fromEveryAgent(cluster: Cluster, name: string, mark: number): Promise<void> {
  const agents = new Set<string>();
  await cluster.waitForEvent(
    (e) => {
      if (e.name === name && e.master_name === cluster.master_name) agents.add(e.agent);
      return agents.size === cluster.agents.length;
    },
    { timeout_ms: EVENT_TIMEOUT_MS, since_index: mark },
  );
}

const ACTING = ["+try-failover", "+elected-leader", "+promoted-slave", "+switch-master"];

function actedSince(cluster: Cluster, mark: number): string[] {
  return cluster.events
    .slice(mark)
    .filter((s) => ACTING.includes(s.event.name))
    .map((s) => `${s.event.name} ${s.event.text}`);
}

void test("a pause needs an expiry, survives a restart of every agent, blocks the failover of a killed primary until resumed", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS });
    const [primary] = cluster.redis;
    const [a0, a1, a2] = cluster.agents;
    assert.ok(primary && a0 && a1 && a2);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const path = `/v1/masters/${cluster.master_name}`;

    const refused = await post(a0, `${path}/pause`, {});
    assert.equal(refused.status, 400);
    assert.equal((refused.body as { code?: string }).code, "SP_ERR_PAUSE_EXPIRY_INVALID");
    const too_long = await post(a0, `${path}/pause`, { for: "8d" });
    assert.equal((too_long.body as { code?: string }).code, "SP_ERR_PAUSE_EXPIRY_INVALID");

    let mark = cluster.events.length;
    const paused = await post(a0, `${path}/pause`, { for: "10m", by: "serial-test" });
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    await fromEveryAgent(cluster, "+pause", mark);

    // Every agent restarted: each learns the pause again from the committed record.
    mark = cluster.events.length;
    for (const agent of cluster.agents) await cluster.restartAgent(agent);
    await fromEveryAgent(cluster, "+pause", mark);
    const view = (await getMaster(a2, cluster.master_name))["operator"] as {
      paused: boolean;
      pause: { by: string; until_unix_ms: number } | null;
    };
    assert.equal(view.paused, true);
    assert.match(view.pause?.by ?? "", /^rest token:[0-9a-f]{8} \S+ serial-test$/);
    assert.ok((view.pause?.until_unix_ms ?? 0) > Date.now() + 9 * 60_000);

    mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    // Every agent reaches ODOWN and reports the failover it did not start, once.
    await fromEveryAgent(cluster, "+failover-blocked-paused", mark);
    assert.ok(cluster.named("+odown", mark).length >= 1);
    assert.deepEqual(actedSince(cluster, mark), [], "no automatic failover while paused");

    const status = await cli(a1, ["status", "--master", cluster.master_name]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /PAUSED until \S+Z by rest token:[0-9a-f]{8} \S+ serial-test/);

    const resumed = await cli(a1, ["resume", cluster.master_name]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await cluster.waitForEvent(
      (e) => e.name === "-pause" && /#resumed by rest token:[0-9a-f]{8} \S+ cli /.test(e.text),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        since_index: mark,
      },
    );
    await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
  });
});

void test("anti-flapping: a second automatic failover inside the block period waits for an acknowledgement", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS, failover_block_period_ms: 600_000 });
    const [primary, r1, r2] = cluster.redis;
    const [a0] = cluster.agents;
    assert.ok(primary && r1 && r2 && a0);
    await discovered(cluster);
    await writable(cluster, primary.port);

    let mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    const first = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    await cluster.waitForEvent((e) => e.name === "+failover-end", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const promoted = [r1, r2].find((r) => first.event.text.endsWith(` 127.0.0.1 ${r.port}`));
    const remaining = [r1, r2].find((r) => r !== promoted);
    assert.ok(promoted && remaining, first.event.text);
    // The remaining replica follows the new primary (promotable for the second failover).
    await cluster.waitForEvent(
      (e) => e.name === "+slave-reconf-done" && e.text.includes(`:${remaining.port} `),
      { timeout_ms: EVENT_TIMEOUT_MS, since_index: mark },
    );

    mark = cluster.events.length;
    process.kill(await redisPid(procs, promoted.port), "SIGKILL");
    await fromEveryAgent(cluster, "+failover-blocked-flapping", mark);
    assert.deepEqual(actedSince(cluster, mark), [], "no second automatic failover inside the period");
    const view = (await getMaster(a0, cluster.master_name))["operator"] as {
      failover_blocked_until_unix_ms: number | null;
      last_auto_failover_unix_ms: number | null;
    };
    assert.ok(view.last_auto_failover_unix_ms !== null);
    assert.equal(view.failover_blocked_until_unix_ms, view.last_auto_failover_unix_ms + 600_000);

    // The acknowledgement through the Sentinel port this time.
    const sentinel = await redisClient(procs, a0.sentinel_port);
    assert.equal(await sentinel.call("SENTINEL", "ACK-FAILOVER", cluster.master_name), "OK");
    const second = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.ok(second.event.text.endsWith(` 127.0.0.1 ${remaining.port}`), second.event.text);
    const acks = cluster.named("+failover-ack", mark);
    assert.ok(acks.length >= 1);
    assert.match(acks[0]?.event.text ?? "", /#by resp 127\.0\.0\.1:\d+$/);
  });
});
