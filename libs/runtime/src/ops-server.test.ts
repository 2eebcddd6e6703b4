import assert from "node:assert/strict";
import { test } from "node:test";
import { counterLines, opsAddressFromEnv, startOpsServer } from "./ops-server.js";

void test("opsAddressFromEnv: off without SP_METRICS_PORT; host defaults to every address; a bad port is refused", () => {
  assert.equal(opsAddressFromEnv({}), null);
  assert.deepEqual(opsAddressFromEnv({ SP_METRICS_PORT: "9464" }), { host: "0.0.0.0", port: 9464 });
  assert.deepEqual(opsAddressFromEnv({ SP_METRICS_PORT: "9464", SP_METRICS_HOST: "127.0.0.1" }), {
    host: "127.0.0.1",
    port: 9464,
  });
  assert.throws(() => opsAddressFromEnv({ SP_METRICS_PORT: "http" }), /SP_METRICS_PORT/);
});

void test("ops server: /metrics has runtime metrics and the service's lines; /healthz follows health", async (t) => {
  let healthy = true;
  const ops = await startOpsServer({
    host: "127.0.0.1",
    port: 0,
    lines: () => counterLines("sp_data_node_", { 'commands_total{command="promote",outcome="ok"}': 2 }),
    health: () => (healthy ? { ok: true, detail: "running" } : { ok: false, detail: "stopping" }),
  });
  t.after(() => ops.close());
  const base = `http://127.0.0.1:${ops.port}`;
  const metrics = await fetch(`${base}/metrics`);
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^sp_data_node_commands_total\{command="promote",outcome="ok"\} 2$/m);
  assert.equal((await fetch(`${base}/healthz`)).status, 200);
  healthy = false;
  const down = await fetch(`${base}/healthz`);
  assert.equal(down.status, 503);
  assert.deepEqual(await down.json(), { ok: false, detail: "stopping" });
  assert.equal((await fetch(`${base}/other`)).status, 404);
});
