// The failover end to end on both kinds of infrastructure: Redis and NATS as local processes,
// and, when a container engine answers at DOCKER_HOST, as containers (testcontainers). The mode
// and why it was chosen are logged. SIGKILL of the primary; the agents must elect another one,
// which must take writes.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { Redis } from "ioredis";
import { withProcesses } from "../process/harness.js";
import { availableModes, infraFor } from "./choose.js";
import { startInfraCluster } from "./cluster.js";
import type { InfraMode } from "./infra.js";

const MASTER = "mymaster";
const DOWN_AFTER_MS = 1000;

function client(port: number): Redis {
  return new Redis({
    host: "127.0.0.1",
    port,
    connectTimeout: 1000,
    commandTimeout: 1000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    lazyConnect: true,
  });
}

async function call(port: number, ...args: string[]): Promise<unknown> {
  const c = client(port);
  c.on("error", () => undefined);
  try {
    await c.connect();
    const [name, ...rest] = args;
    return await c.call(name ?? "PING", ...rest);
  } finally {
    c.disconnect();
  }
}

/** Polls (no event exists for "an agent's view changed" outside NATS) until ok or the deadline. */
async function until<T>(what: string, timeout_ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = performance.now() + timeout_ms;
  let last: unknown = null;
  while (performance.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not within ${timeout_ms} ms (last error: ${String(last)})`);
}

async function failoverScenario(t: TestContext, mode: InfraMode): Promise<void> {
  await withProcesses(t, async (procs) => {
    const infra = await infraFor(procs, mode);
    t.diagnostic(`infrastructure: ${infra.mode} (${infra.reason})`);
    const started_ms = performance.now();
    const cluster = await startInfraCluster(procs, infra, {
      master_name: MASTER,
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: 10_000,
    });
    const [primary] = cluster.redis;
    const agent = cluster.agents[1];
    assert.ok(primary !== undefined && agent !== undefined);
    await until("agents know both replicas", 30_000, async () => {
      const replicas = await call(agent.sentinel_port, "SENTINEL", "REPLICAS", MASTER);
      return Array.isArray(replicas) && replicas.length === 2 ? true : null;
    });
    const ready_ms = performance.now() - started_ms;
    const killed_ms = performance.now();
    await primary.kill();
    const promoted = await until("a new primary", 30_000, async () => {
      const reply = await call(agent.sentinel_port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER);
      const port = Array.isArray(reply) ? Number(reply[1]) : primary.port;
      return port !== primary.port ? port : null;
    });
    const failover_ms = performance.now() - killed_ms;
    assert.ok(
      cluster.redis.some((r) => r.port === promoted),
      `the new primary ${promoted} is one of the replicas`,
    );
    await until("the new primary takes writes", 10_000, async () =>
      (await call(promoted, "SET", "after-failover", mode)) === "OK" ? true : null,
    );
    t.diagnostic(
      `${mode}: cluster ready in ${ready_ms.toFixed(0)} ms, new primary ${promoted} seen ${failover_ms.toFixed(0)} ms after SIGKILL`,
    );
  });
}

void test("failover end to end on local processes and, with an engine, on containers", async (t) => {
  const { modes, reason } = await availableModes();
  t.diagnostic(`modes: ${modes.join(", ")} (${reason})`);
  for (const mode of modes) {
    await t.test(`${mode}: SIGKILL of the primary, a replica is promoted and takes writes`, async (st) => {
      await failoverScenario(st, mode);
    });
  }
});
