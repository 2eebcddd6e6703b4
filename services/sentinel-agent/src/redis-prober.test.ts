// The prober against real redis-server processes: what a probe on a fresh, a refused and a hung
// link returns.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import { RedisProber } from "./redis-prober.js";

function prober(): RedisProber {
  return new RedisProber({
    instances_max: 8,
    connect_timeout_ms: 2000,
    reconnect_max_ms: 200,
    auth_for: () => ({}),
  });
}

void test("the first INFO and PING on a link still connecting get their replies", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "fresh" });
    const target = { host: "127.0.0.1", port: server.port };
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    // Both probes go out before the connection exists, as the first tick after a discovery does.
    const [info, ping] = await Promise.all([p.probe(target, "info", 5000), p.probe(target, "ping", 5000)]);
    assert.ok(info.ok && info.kind === "info", `INFO failed: ${JSON.stringify(info)}`);
    assert.equal(info.info.role, "master");
    assert.deepEqual(ping, { kind: "ping", ok: true, reply: "PONG" });
  });
});

void test("a port nobody listens on fails the probe with the connection error, well before its deadline", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "gone" });
    const target = { host: "127.0.0.1", port: server.port };
    await server.stop();
    const p = prober();
    procs.onCleanup(() => {
      p.close();
    });
    const result = await p.probe(target, "ping", 60_000);
    assert.ok(!result.ok, "a refused connection is not an answer");
    assert.match(result.error, /ECONNREFUSED/);
  });
});
