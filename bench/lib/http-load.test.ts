import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { loopbackSources, runHttpLoad } from "./http-load.js";

async function server(
  status: number,
): Promise<{ port: number; peers: Set<string>; close: () => Promise<void> }> {
  const peers = new Set<string>();
  const s = http.createServer((request, response) => {
    peers.add(request.socket.remoteAddress ?? "");
    response.statusCode = status;
    response.end("{}");
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return {
    port: (s.address() as AddressInfo).port,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        s.close(() => {
          resolve();
        });
      }),
  };
}

void test("loopbackSources gives distinct 127.0.x.y addresses from .10 on", () => {
  const sources = loopbackSources(300);
  assert.equal(new Set(sources).size, 300);
  assert.equal(sources[0], "127.0.0.10");
  assert.equal(sources[245], "127.0.1.10");
});

void test("open loop: about the offered rate, from every source address", async () => {
  const s = await server(200);
  try {
    const sources = loopbackSources(4);
    const f = await runHttpLoad({ port: s.port, path: "/x", sources, duration_s: 1, rate_rps: 200 });
    assert.ok(f.completed >= 150 && f.completed <= 210, `completed ${f.completed}`);
    assert.equal(f.errors + f.non2xx + f.dropped, 0);
    assert.ok(f.p50_ms <= f.p99_ms && f.p99_ms <= f.max_ms);
    assert.deepEqual([...s.peers].sort(), [...sources].sort());
  } finally {
    await s.close();
  }
});

void test("closed loop counts non-2xx replies apart and keeps no latency for them", async () => {
  const s = await server(429);
  try {
    const f = await runHttpLoad({
      port: s.port,
      path: "/",
      sources: loopbackSources(2),
      duration_s: 0.3,
      rate_rps: null,
    });
    assert.equal(f.completed, 0);
    assert.ok(f.non2xx > 0);
    assert.ok(Number.isNaN(f.p99_from_schedule_ms));
  } finally {
    await s.close();
  }
});

void test("a refused connection is an error, not a hang", async () => {
  const s = await server(200);
  const port = s.port;
  await s.close();
  const f = await runHttpLoad({
    port,
    path: "/",
    sources: loopbackSources(1),
    duration_s: 0.2,
    rate_rps: 50,
  });
  assert.equal(f.completed, 0);
  assert.ok(f.errors > 0);
});
