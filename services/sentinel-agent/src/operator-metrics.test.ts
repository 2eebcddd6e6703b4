import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { registerOperatorMetrics } from "./operator-metrics.js";

void test("the topology store's health is exported: watching, and the bucket's replicas once known", async () => {
  const registry = new Registry();
  let health = {
    watching: false,
    replicas_configured: null as number | null,
    replicas_actual: null as number | null,
  };
  registerOperatorMetrics(registry, {
    state: () => undefined,
    nats_connected: () => true,
    topology: () => health,
  });
  const before = await registry.metrics();
  assert.match(before, /^sp_topology_watching 0$/m);
  assert.doesNotMatch(before, /^sp_topology_bucket_replicas\{/m, "unknown replicas are not reported as 0");
  health = { watching: true, replicas_configured: 3, replicas_actual: 1 };
  const after = await registry.metrics();
  assert.match(after, /^sp_topology_watching 1$/m);
  assert.match(after, /^sp_topology_bucket_replicas\{kind="configured"\} 3$/m);
  assert.match(after, /^sp_topology_bucket_replicas\{kind="actual"\} 1$/m);
  assert.match(after, /^sp_nats_connected 1$/m);
});
