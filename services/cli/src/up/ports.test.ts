import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { choosePorts, isPortFree, planFromBase } from "./ports.js";

void test("ports: a busy preferred port is skipped, every role gets distinct ports", async (t) => {
  const busy = createServer();
  await new Promise<void>((resolve) => {
    busy.listen(0, "127.0.0.1", resolve);
  });
  t.after(
    () =>
      new Promise<void>((resolve) =>
        busy.close(() => {
          resolve();
        }),
      ),
  );
  const taken = (busy.address() as AddressInfo).port;
  assert.equal(await isPortFree(taken), false);
  const ports = await choosePorts(
    { nats: taken, redis: taken, sentinel: taken, rest: taken },
    { redis: 3, agents: 3 },
  );
  const all = [ports.nats, ...ports.redis, ...ports.sentinel, ...ports.rest];
  assert.equal(new Set(all).size, all.length);
  assert.ok(!all.includes(taken));
  assert.ok(all.every((p) => p > taken && p < taken + 200));
});

void test("ports: base 0 means ephemeral ports, base N a block from N", async () => {
  assert.equal(planFromBase(0), null);
  assert.deepEqual(planFromBase(20000), { nats: 20000, redis: 20010, sentinel: 20020, rest: 20030 });
  const ports = await choosePorts(null, { redis: 3, agents: 3 });
  assert.equal(new Set([ports.nats, ...ports.redis, ...ports.sentinel, ...ports.rest]).size, 10);
});
