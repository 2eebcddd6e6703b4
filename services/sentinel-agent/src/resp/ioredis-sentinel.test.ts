// ioredis in sentinel mode against our port (fake view) and real redis-servers: it finds the
// primary through SENTINEL GET-MASTER-ADDR-BY-NAME, writes to it, and with failoverDetector
// follows a `+switch-master` published through the view to the new primary.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { Redis } from "@sentinel-plane/runtime";
import { withProcesses } from "@sentinel-plane/testkit";
import type { RedisServer } from "@sentinel-plane/testkit";
import { FakeSentinelView, fakeMasterView } from "./testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import { RawClient } from "./testing/test-client.js";

/** Rejects after a generous safety deadline instead of hanging until the runner's timeout. */
async function within<T>(promise: Promise<T>, deadline_ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(message));
    }, deadline_ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function startPort(
  t: TestContext,
  primary: RedisServer,
): Promise<{ view: FakeSentinelView; port: number; server: RespServer }> {
  const view = new FakeSentinelView();
  const address = { ip: primary.host, port: primary.port };
  view.addMaster({
    master: fakeMasterView("mymaster", address.ip, address.port),
    replicas: [],
    sentinels: [],
    address,
  });
  const server = new RespServer({
    host: "127.0.0.1",
    port: 0,
    view,
    requirepass: null,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "",
    now_ms: Date.now,
  });
  const { port } = await server.listen();
  t.after(async () => {
    await server.close();
  });
  return { view, port, server };
}

function sentinelClient(port: number, failoverDetector: boolean): Redis {
  return new Redis({
    sentinels: [{ host: "127.0.0.1", port }],
    name: "mymaster",
    role: "master",
    sentinelCommandTimeout: 2000,
    sentinelRetryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
    sentinelMaxConnections: 2,
    updateSentinels: true,
    failoverDetector,
    connectTimeout: 2000,
    commandTimeout: 2000,
    maxRetriesPerRequest: 3,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 500),
    enableOfflineQueue: true,
    enableReadyCheck: true,
    autoResubscribe: false,
    reconnectOnError: () => false,
    lazyConnect: true,
  });
}

void test("ioredis in sentinel mode finds the primary through our port and writes to it", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await procs.startRedis({ name: "primary" });
    const { port } = await startPort(t, primary);
    const client = sentinelClient(port, false);
    t.after(() => {
      client.disconnect();
    });
    await client.connect();
    assert.equal(await client.set("written-through-sentinel", "yes"), "OK");
    const direct = await primary.client();
    assert.equal(await direct.get("written-through-sentinel"), "yes");
  });
});

void test("+switch-master reaches subscribers and moves ioredis (failoverDetector) to the new primary", async (t) => {
  await withProcesses(t, async (procs) => {
    const [a, b] = await Promise.all([
      procs.startRedis({ name: "old-primary" }),
      procs.startRedis({ name: "new-primary" }),
    ]);
    const { view, port } = await startPort(t, a);
    const client = sentinelClient(port, true);
    t.after(() => {
      client.disconnect();
    });
    await client.connect();
    assert.equal(await client.set("k", "before"), "OK");

    const watcher = await RawClient.open(port);
    t.after(() => {
      watcher.close();
    });
    assert.equal((await watcher.call(["SUBSCRIBE", "+switch-master"])).type, "array");
    // ioredis subscribes its detector after `ready`; no event tells us, so poll INFO for it.
    const probe = await RawClient.open(port);
    t.after(() => {
      probe.close();
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const info = await probe.call(["INFO", "stats"]);
      const subscribers = info.type === "bulk" ? /pubsub_channels:(\d+)/.exec(info.value)?.[1] : undefined;
      // One channel, subscribed by the watcher and by ioredis's detector connection.
      const clients = await probe.call(["CLIENT", "LIST"]);
      const subscribed =
        clients.type === "bulk" ? clients.value.split("\n").filter((l) => l.includes(" sub=1 ")).length : 0;
      if (subscribers === "1" && subscribed >= 2) break;
      assert.ok(Date.now() < deadline, "ioredis's failover detector never subscribed");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const reconnected = new Promise<void>((resolve) => {
      client.once("ready", () => {
        resolve();
      });
    });
    const entry = view.state.get("mymaster");
    assert.ok(entry !== undefined);
    entry.address = { ip: b.host, port: b.port };
    const payload = `mymaster ${a.host} ${a.port} ${b.host} ${b.port}`;
    view.emit({ channel: "+switch-master", payload });
    const [message] = await watcher.replies(1);
    assert.deepEqual(message, {
      type: "array",
      items: [
        { type: "bulk", value: "message" },
        { type: "bulk", value: "+switch-master" },
        { type: "bulk", value: payload },
      ],
    });
    await within(reconnected, 10_000, "ioredis did not reconnect after +switch-master");
    assert.equal(await client.set("k", "after"), "OK");
    const [onA, onB] = await Promise.all([a.client(), b.client()]);
    assert.equal(await onA.get("k"), "before");
    assert.equal(await onB.get("k"), "after");
  });
});
