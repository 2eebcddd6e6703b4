// One trace per failover this agent leads, a child span per state, ended with the outcome.
import assert from "node:assert/strict";
import { test } from "node:test";
import { trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { FAILOVER_ENDS } from "@sentinel-plane/core";
import type { SentinelEvent } from "@sentinel-plane/core";
import { FailoverTelemetry } from "./telemetry.js";

const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);

function event(name: string, text = "master mymaster 127.0.0.1 6379"): SentinelEvent {
  return { name, level: "warning", master_name: "mymaster", text, epoch: 7 };
}

void test("a led failover becomes one trace: a root span and a child span per state", () => {
  exporter.reset();
  let now = 0;
  const telemetry = new FailoverTelemetry(() => now);
  for (const name of [
    "+sdown",
    "+odown",
    "+try-failover",
    "+elected-leader",
    "+failover-state-select-slave",
    "+selected-slave",
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
    "+promoted-slave",
    "+failover-state-reconf-slaves",
    "+failover-end",
  ]) {
    now += 10;
    telemetry.observe(event(name));
  }
  const spans = exporter.getFinishedSpans();
  const root = spans.find((s) => s.name === "failover");
  assert.ok(root, "a root span named failover");
  assert.equal(root.attributes["sp.outcome"], "end");
  const children = spans
    .filter((s) => s.parentSpanContext?.spanId === root.spanContext().spanId)
    .map((s) => s.name);
  assert.deepEqual(children, [
    "elected",
    "select-slave",
    "send-slaveof-noone",
    "wait-promotion",
    "reconf-slaves",
  ]);
  assert.ok(
    spans.every((s) => s.spanContext().traceId === root.spanContext().traceId),
    "one trace",
  );
});

void test("an aborted election ends the trace with its reason; events of other masters are ignored", () => {
  exporter.reset();
  const telemetry = new FailoverTelemetry(() => 0);
  telemetry.observe(event("+try-failover"));
  telemetry.observe({ ...event("+failover-end"), master_name: "other" });
  telemetry.observe(event("-failover-abort-not-elected"));
  const roots = exporter.getFinishedSpans().filter((s) => s.name === "failover");
  assert.equal(roots.length, 1);
  assert.equal(roots[0]?.attributes["sp.outcome"], "not-elected");
});

void test("every ending of the core's table closes the trace with its outcome, lagging-slaves included", () => {
  for (const [name, end] of Object.entries(FAILOVER_ENDS)) {
    exporter.reset();
    const telemetry = new FailoverTelemetry(() => 0);
    telemetry.observe(event("+try-failover"));
    telemetry.observe(event("+elected-leader"));
    telemetry.observe(event("+failover-state-fence-old-master"));
    telemetry.observe(event(name));
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === "failover");
    assert.equal(root?.attributes["sp.outcome"], end.outcome, name);
    assert.deepEqual(
      spans.filter((s) => s !== root).map((s) => s.name),
      ["elected", "fence-old-master"],
      name,
    );
  }
  assert.ok(Object.hasOwn(FAILOVER_ENDS, "-failover-abort-lagging-slaves"));
});
