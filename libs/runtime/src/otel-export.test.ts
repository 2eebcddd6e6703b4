import assert from "node:assert/strict";
import { test } from "node:test";
import { startTraceExport, traceExportChoice } from "./otel-export.js";

void test("trace export: on only when the standard variables ask for it", () => {
  assert.equal(traceExportChoice({}).enabled, false);
  assert.deepEqual(traceExportChoice({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318/" }), {
    enabled: true,
    endpoint: "http://c:4318/v1/traces",
  });
  assert.deepEqual(traceExportChoice({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/x" }), {
    enabled: true,
    endpoint: "http://c:4318/x",
  });
  assert.deepEqual(traceExportChoice({ OTEL_TRACES_EXPORTER: "otlp" }), {
    enabled: true,
    endpoint: "http://localhost:4318/v1/traces",
  });
  assert.equal(
    traceExportChoice({ OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }).enabled,
    false,
  );
  assert.equal(
    traceExportChoice({ OTEL_SDK_DISABLED: "true", OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" }).enabled,
    false,
  );
});

void test("trace export off: nothing is registered", async () => {
  assert.equal(await startTraceExport("data-node", {}), null);
});
