import assert from "node:assert/strict";
import { connect } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { AUTH, fixture, PEER } from "./testing/test-support.js";
import type { Fixture } from "./testing/test-support.js";

const DEADLINE_MS = 10_000;

async function listening(f: Fixture): Promise<string> {
  await f.app.listen({ host: "127.0.0.1", port: 0 });
  const address = f.app.server.address();
  assert.ok(typeof address === "object" && address !== null);
  return `http://127.0.0.1:${address.port}`;
}

/** Reads the stream until `done(text)` holds; fails after the deadline. */
async function readUntil(body: ReadableStream<Uint8Array>, done: (text: string) => boolean): Promise<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const timer = setTimeout(() => {
    void reader.cancel();
  }, DEADLINE_MS);
  try {
    while (!done(text)) {
      const { value, done: ended } = await reader.read();
      if (ended) throw new Error(`stream ended before the expected frames; got:\n${text}`);
      text += decoder.decode(value, { stream: true });
    }
    return text;
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

void test("SSE: filtered by master and type, with ids; resumable from Last-Event-ID", async (t) => {
  const f = await fixture();
  t.after(() => f.app.close());
  const base = await listening(f);
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/events?master=mymaster&type=%2Bswitch-master,+sdown`, {
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(String(response.headers.get("content-type")), /^text\/event-stream/);
  assert.ok(response.body);
  f.events.emit("+sdown", "other", "master other 127.0.0.1 7000");
  f.events.emit("+odown", "mymaster", "master mymaster 127.0.0.1 6379 #quorum 2/2");
  const sdown = f.events.emit("+sdown", "mymaster", "master mymaster 127.0.0.1 6379");
  const moved = f.events.emit("+switch-master", "mymaster", "mymaster 127.0.0.1 6379 127.0.0.1 6380", PEER);
  const text = await readUntil(response.body, (s) => s.includes("event: +switch-master"));
  controller.abort();
  const frames = text.split("\n\n").filter((b) => b.includes("data: "));
  assert.deepEqual(
    frames.map((b) => /^id: (\d+)$/m.exec(b)?.[1]),
    [String(sdown.id), String(moved.id)],
    "only mymaster's +sdown and +switch-master, in order",
  );
  const data = JSON.parse(/^data: (.*)$/m.exec(frames[1] ?? "")?.[1] ?? "null") as {
    text: string;
    master: string;
  };
  assert.deepEqual([data.master, data.text], ["mymaster", "mymaster 127.0.0.1 6379 127.0.0.1 6380"]);

  // Resume after the +sdown: the +switch-master is replayed from the history.
  const resumed = new AbortController();
  const again = await fetch(`${base}/v1/events?master=mymaster`, {
    headers: { "last-event-id": String(sdown.id) },
    signal: resumed.signal,
  });
  assert.ok(again.body);
  const replay = await readUntil(again.body, (s) => s.includes("event: +switch-master"));
  resumed.abort();
  assert.doesNotMatch(replay, /event: \+sdown/);
  assert.match(replay, new RegExp(`id: ${moved.id}\\n`));
});

void test("SSE: heartbeats, read auth, and a client that does not read is dropped", async (t) => {
  const f = await fixture({
    read_auth: true,
    limits: { events: { heartbeat_ms: 50, buffer_max_bytes: 64 * 1024, streams_max: 2, retry_ms: 500 } },
  });
  t.after(() => f.app.close());
  const base = await listening(f);
  const refused = await fetch(`${base}/v1/events`);
  assert.equal(refused.status, 401);
  assert.equal((await refused.json()) instanceof Object, true);

  const controller = new AbortController();
  const live = await fetch(`${base}/v1/events`, { headers: AUTH, signal: controller.signal });
  assert.ok(live.body);
  const beats = await readUntil(live.body, (s) => s.split(": heartbeat").length > 2);
  assert.match(beats, /^retry: 500$/m);
  controller.abort();

  // A raw client that sends the request and never reads: the server's buffer for it is bounded.
  const address = f.app.server.address();
  assert.ok(typeof address === "object" && address !== null);
  const socket = connect(address.port, "127.0.0.1");
  await once(socket, "connect");
  socket.pause();
  socket.write(`GET /v1/events HTTP/1.1\r\nhost: x\r\nauthorization: ${AUTH.authorization}\r\n\r\n`);
  const deadline = performance.now() + DEADLINE_MS;
  while (f.app.streams.size < 1 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(f.app.streams.size, 1);
  const payload = "x".repeat(16 * 1024);
  for (let i = 0; i < 4096 && f.app.streams.dropped === 0; i++) {
    f.events.emit("+sdown", "mymaster", payload);
    if (i % 64 === 0) await new Promise((r) => setImmediate(r));
  }
  assert.equal(f.app.streams.dropped, 1, "the slow client was dropped");
  assert.equal(f.app.streams.size, 0);
  assert.equal(f.events.listeners, 1, "its hub listener was removed (the recorders' remains)");
  socket.destroy();
});
