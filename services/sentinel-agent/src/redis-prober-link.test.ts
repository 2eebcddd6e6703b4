// Which link a timed-out probe drops, and what a fresh link sends, against an in-process RESP
// server that answers in order and can hold its replies (a hung server, on demand). No
// redis-server: the real-server cases are in redis-prober.test.ts.
import assert from "node:assert/strict";
import { EventEmitter, once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import { RedisProber } from "./redis-prober.js";
import { RequestParser } from "./resp/request-parser.js";

const LIMITS = {
  inline_bytes_max: 65_536,
  bulk_bytes_max: 65_536,
  multibulk_count_max: 64,
  unauthenticated_multibulk_count_max: 64,
  unauthenticated_bulk_bytes_max: 65_536,
  request_bytes_max: 65_536,
};

const INFO = "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n";

interface FakeRedis {
  readonly port: number;
  /** Every request each connection sent, in order, one string per request. */
  readonly connections: string[][];
  /** Emits "request" after each request it records. */
  readonly events: EventEmitter;
  /** While true, replies wait (a hung server); false writes the waiting ones, in order. */
  hold(on: boolean): void;
}

async function fakeRedis(t: TestContext): Promise<FakeRedis> {
  const connections: string[][] = [];
  const sockets = new Set<net.Socket>();
  const events = new EventEmitter();
  let holding = false;
  // Replies not yet written, per connection, oldest first.
  const pending = new Map<net.Socket, string[]>();
  const flush = (socket: net.Socket): void => {
    if (holding) return;
    const queue = pending.get(socket) ?? [];
    socket.write(queue.join(""));
    queue.length = 0;
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const seen: string[] = [];
    connections.push(seen);
    pending.set(socket, []);
    const parser = new RequestParser(LIMITS);
    socket.on("data", (chunk) => {
      parser.push(chunk);
      for (let outcome = parser.next(true); outcome.kind === "request"; outcome = parser.next(true)) {
        const [command, ...args] = outcome.argv.map((a) => a.toString());
        const name = (command ?? "").toUpperCase();
        seen.push([name, ...args].join(" "));
        const reply =
          name === "PING" ? "+PONG\r\n" : name === "INFO" ? `$${INFO.length}\r\n${INFO}\r\n` : "+OK\r\n";
        pending.get(socket)?.push(reply);
        events.emit("request");
      }
      flush(socket);
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      sockets.delete(socket);
      pending.delete(socket);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    server.close();
    await once(server, "close");
  });
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    port: address.port,
    connections,
    events,
    hold(on: boolean): void {
      holding = on;
      for (const socket of pending.keys()) flush(socket);
    },
  };
}

function prober(t: TestContext): RedisProber {
  const p = new RedisProber({
    instances_max: 8,
    connect_timeout_ms: 10_000,
    reconnect_max_ms: 200,
    auth_for: () => ({}),
  });
  t.after(() => {
    p.close();
  });
  return p;
}

void test("a probe timing out on a link that connected during it keeps that link", async (t) => {
  const redis = await fakeRedis(t);
  const target = { host: "127.0.0.1", port: redis.port };
  const p = prober(t);
  redis.hold(true);
  // The first probe opens the link: it spends its deadline connecting and waiting for PONG.
  assert.deepEqual(await p.probe(target, "ping", 300), { kind: "ping", ok: false, error: "probe timed out" });
  redis.hold(false);
  assert.deepEqual(await p.probe(target, "ping", 10_000), { kind: "ping", ok: true, reply: "PONG" });
  assert.equal(redis.connections.length, 1, "the link that came up during the first probe was kept");
});

void test("a probe timing out on a link that was up when it started drops that link", async (t) => {
  const redis = await fakeRedis(t);
  const target = { host: "127.0.0.1", port: redis.port };
  const p = prober(t);
  assert.deepEqual(await p.probe(target, "ping", 10_000), { kind: "ping", ok: true, reply: "PONG" });
  redis.hold(true); // the server hangs
  assert.deepEqual(await p.probe(target, "ping", 300), { kind: "ping", ok: false, error: "probe timed out" });
  redis.hold(false);
  assert.deepEqual(await p.probe(target, "ping", 10_000), { kind: "ping", ok: true, reply: "PONG" });
  assert.equal(redis.connections.length, 2, "the hung link was dropped and a new one opened");
});

void test("a probe link is ready without a round trip: CLIENT SETNAME then the probe, no SETINFO", async (t) => {
  const redis = await fakeRedis(t);
  const target = { host: "127.0.0.1", port: redis.port };
  const p = prober(t);
  redis.hold(true); // nothing answered: the link must not wait for its name to be set
  const info = p.probe(target, "info", 5000);
  const sent = (async (): Promise<void> => {
    while (!(redis.connections[0]?.includes("INFO") ?? false)) await once(redis.events, "request");
  })();
  // A link that waits for its name's reply sends no INFO: the probe ends first, at its deadline.
  await Promise.race([
    sent,
    info.then((r) => assert.fail(`no INFO sent before the probe ended: ${JSON.stringify(r)}`)),
  ]);
  assert.deepEqual(redis.connections, [["CLIENT SETNAME sentinel-plane-probe", "INFO"]]);
  redis.hold(false);
  const result = await info;
  assert.ok(result.ok, JSON.stringify(result));
});

void test("a link left ready over a closed stream is replaced at the next probe", async (t) => {
  const redis = await fakeRedis(t);
  const target = { host: "127.0.0.1", port: redis.port };
  const clients: Redis[] = [];
  const p = new RedisProber({
    instances_max: 8,
    connect_timeout_ms: 10_000,
    reconnect_max_ms: 200,
    auth_for: () => ({}),
    create_client: (options) => {
      const client = createRedisClient(options);
      clients.push(client);
      return client;
    },
  });
  t.after(() => {
    p.close();
  });
  assert.deepEqual(await p.probe(target, "ping", 10_000), { kind: "ping", ok: true, reply: "PONG" });
  const client = clients[0];
  assert.ok(client !== undefined);
  // The state whole runs of Redis's suite left links in (seen with the status at each failed
  // probe): ioredis's status still "ready", the stream closed, no reconnection scheduled. Its own
  // close handler taken away reproduces that state without the race that produced it.
  client.stream.removeAllListeners("close");
  client.stream.destroy();
  const failed = await p.probe(target, "ping", 10_000);
  assert.equal(client.status, "ready");
  assert.equal(failed.ok, false, "the closed stream fails the probe at once");
  assert.deepEqual(await p.probe(target, "ping", 10_000), { kind: "ping", ok: true, reply: "PONG" });
  assert.equal(redis.connections.length, 2, "the stuck link was dropped and a new one opened");
});
