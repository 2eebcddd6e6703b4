import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { Counters } from "./counters.js";
import { createLogger } from "./logger.js";
import { reconnectDelay_ms } from "./redis.js";
import { getTracer, withSpan } from "./tracing.js";

void test("log lines are JSON with time, level, service and msg", () => {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk.toString()));
  const logger = createLogger({
    service: "unit",
    level: "info",
    base: { node_id: "n1" },
    destination: stream,
  });
  logger.info({ event: "hello", n: 1 }, "hi there");
  logger.debug("not shown");
  const lines = chunks.join("").trim().split("\n");
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  assert.equal(line["level"], "info");
  assert.equal(line["service"], "unit");
  assert.equal(line["node_id"], "n1");
  assert.equal(line["msg"], "hi there");
  assert.equal(line["event"], "hello");
  assert.equal(typeof line["time"], "string");
});

void test("counters are bounded in series", () => {
  const counters = new Counters(2);
  assert.equal(counters.inc("malformed_total", { reason: "a" }), 1);
  assert.equal(counters.inc("malformed_total", { reason: "a" }), 2);
  counters.inc("malformed_total", { reason: "b" });
  counters.inc("malformed_total", { reason: "c" });
  counters.inc("malformed_total", { reason: "d" });
  assert.equal(counters.get("malformed_total", { reason: "a" }), 2);
  assert.equal(counters.get("malformed_total", { reason: "c" }), 0);
  assert.equal(Object.keys(counters.snapshot()).length, 3);
  assert.equal(counters.get("malformed_total", { overflow: "true" }), 2);
});

void test("redis reconnect back-off is bounded", () => {
  assert.equal(reconnectDelay_ms(1, 100, 1000), 100);
  assert.equal(reconnectDelay_ms(5, 100, 1000), 500);
  assert.equal(reconnectDelay_ms(500, 100, 1000), 1000);
});

void test("spans are no-ops without an SDK and pass errors through", async () => {
  const tracer = getTracer("unit");
  assert.equal(await withSpan(tracer, "ok", {}, () => Promise.resolve(42)), 42);
  await assert.rejects(
    withSpan(tracer, "bad", {}, () => Promise.reject(new Error("boom"))),
    /boom/,
  );
});
