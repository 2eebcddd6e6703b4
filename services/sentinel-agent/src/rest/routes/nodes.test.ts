import assert from "node:assert/strict";
import { test } from "node:test";
import type { Address } from "@sentinel-plane/core";
import type { NodeOp, NodeOpOutcome } from "../../node-ops.js";
import { openApiValidator } from "../openapi-validate.js";
import { AUTH, fixture } from "../testing/test-support.js";
import type { Fixture } from "../testing/test-support.js";

const REINIT = "/v1/masters/{name}/replicas/{addr}/reinit";
const RESET = "/v1/masters/{name}/nodes/{addr}/reset-restarts";
const SHUTDOWN = "/v1/masters/{name}/nodes/{addr}/shutdown";

/** POSTs and checks the response against the app's own OpenAPI document. */
async function post(f: Fixture, url: string, path: string, headers: Record<string, string> = AUTH) {
  const response = await f.app.inject({ method: "POST", url, headers });
  const doc = (await f.app.inject({ method: "GET", url: "/openapi.json" })).json<unknown>();
  const errors = openApiValidator(doc)({
    method: "POST",
    path,
    status: response.statusCode,
    content_type: String(response.headers["content-type"] ?? ""),
    body: response.json<unknown>(),
  });
  assert.deepEqual(errors, [], `${url} -> ${response.statusCode}: ${response.body}`);
  return response;
}

function recorder(outcome: NodeOpOutcome) {
  const calls: { master: string; address: Address; op: NodeOp }[] = [];
  const node_op = (master: string, address: Address, op: NodeOp): Promise<NodeOpOutcome> => {
    calls.push({ master, address, op });
    return Promise.resolve(outcome);
  };
  return { calls, node_op };
}

void test("reinit of a replica is relayed to its data-node; the primary and strangers are refused first", async () => {
  const { calls, node_op } = recorder({ ok: true, node_id: "n1", done: ["redis-server stopped"] });
  const f = await fixture({ node_op });
  const ok = await post(f, "/v1/masters/mymaster/replicas/127.0.0.1:6380/reinit", REINIT);
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { ok: true, node_id: "n1", done: ["redis-server stopped"] });
  assert.deepEqual(calls, [{ master: "mymaster", address: { host: "127.0.0.1", port: 6380 }, op: "reinit" }]);

  const primary = await post(f, "/v1/masters/mymaster/replicas/127.0.0.1:6379/reinit", REINIT);
  assert.equal(primary.statusCode, 422);
  assert.equal(primary.json<{ code: string }>().code, "SP_ERR_ADMIN_REFUSED");
  const stranger = await post(f, "/v1/masters/mymaster/replicas/127.0.0.1:7000/reinit", REINIT);
  assert.equal(stranger.json<{ code: string }>().code, "SP_ERR_NOT_HEALTHY_REPLICA");
  const bad = await post(f, "/v1/masters/mymaster/replicas/nonsense/reinit", REINIT);
  assert.equal(bad.json<{ code: string }>().code, "SP_ERR_INVALID_REQUEST");
  const unknown = await post(f, "/v1/masters/nope/replicas/127.0.0.1:6380/reinit", REINIT);
  assert.equal(unknown.json<{ code: string }>().code, "SP_ERR_UNKNOWN_MASTER");
  assert.equal(calls.length, 1, "nothing relayed for a refused request");
});

void test("a data-node's refusal comes back as 422 with its code; no token, no relay", async () => {
  const { calls, node_op } = recorder({ ok: false, code: "SP_ERR_STALE_EPOCH", message: "stale epoch 1" });
  const f = await fixture({ node_op });
  const refused = await post(f, "/v1/masters/mymaster/nodes/127.0.0.1:6379/reset-restarts", RESET);
  assert.equal(refused.statusCode, 422);
  assert.match(refused.json<{ detail: string }>().detail, /SP_ERR_STALE_EPOCH: stale epoch 1/);
  assert.deepEqual(calls[0]?.op, "restart_reset");
  const anonymous = await post(f, "/v1/masters/mymaster/nodes/127.0.0.1:6379/reset-restarts", RESET, {});
  assert.equal(anonymous.statusCode, 401);
  assert.equal(calls.length, 1);
});

void test("shutdown of any node of the master (the primary too) is relayed", async () => {
  const { calls, node_op } = recorder({ ok: true, node_id: "n0", done: ["shutdown started"] });
  const f = await fixture({ node_op });
  const ok = await post(f, "/v1/masters/mymaster/nodes/127.0.0.1:6379/shutdown", SHUTDOWN);
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(calls, [
    { master: "mymaster", address: { host: "127.0.0.1", port: 6379 }, op: "shutdown" },
  ]);
});
