import assert from "node:assert/strict";
import { test } from "node:test";
import { SseParser } from "./sse.js";

void test("SSE: events split across chunks, ids kept, comments and retry ignored", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push('retry: 1000\n: hello\n\nid: 7\nevent: +sdown\ndata: {"na'), []);
  const events = parser.push('me":"+sdown"}\n\ndata: a\r\ndata: b\r\n\r\n');
  assert.deepEqual(events, [
    { id: "7", event: "+sdown", data: '{"name":"+sdown"}' },
    { id: "7", event: "message", data: "a\nb" },
  ]);
});

void test("SSE: an oversized event ends the stream", () => {
  const parser = new SseParser();
  assert.throws(() => parser.push(`data: ${"x".repeat(2 << 20)}`), /too large/);
});
