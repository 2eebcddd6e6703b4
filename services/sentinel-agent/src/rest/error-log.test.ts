import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "@sentinel-plane/runtime";
import type { NodeOpOutcome } from "../node-ops.js";
import { AUTH, fixture } from "./testing/test-support.js";

/** The agent's JSON logger writing into an array (one parsed record per line). */
function capturedLogger(): { logger: ReturnType<typeof createLogger>; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim() !== "") records.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createLogger({ service: "sentinel-agent", level: "info", destination }), records };
}

void test("a 500 is logged through the agent's JSON logger with the request id the client received", async () => {
  const { logger, records } = capturedLogger();
  const node_op = (): Promise<NodeOpOutcome> => Promise.reject(new Error("socket hang up (test)"));
  const f = await fixture({ node_op, logger });
  const response = await f.app.inject({
    method: "POST",
    url: "/v1/masters/mymaster/replicas/127.0.0.1:6380/reinit",
    headers: AUTH,
  });
  assert.equal(response.statusCode, 500);
  assert.equal(response.json<{ code: string }>().code, "SP_ERR_INTERNAL");
  // The problem tells the client nothing of the cause; the log has it.
  assert.doesNotMatch(response.body, /socket hang up/);
  const request_id = response.headers["x-request-id"];
  assert.equal(typeof request_id, "string");
  const failed = records.filter((r) => r["event"] === "rest_error");
  assert.equal(failed.length, 1, JSON.stringify(records));
  const record = failed[0] ?? {};
  assert.equal(record["level"], "error");
  assert.equal(record["service"], "sentinel-agent");
  assert.equal(record["component"], "rest");
  assert.equal(record["request_id"], request_id);
  assert.equal(record["method"], "POST");
  assert.equal(record["route"], "/v1/masters/:name/replicas/:addr/reinit");
  assert.match(JSON.stringify(record["err"]), /socket hang up \(test\)/);
  await f.app.close();
});

void test("client errors (4xx) and successful requests are not logged; each response has its own request id", async () => {
  const { logger, records } = capturedLogger();
  const f = await fixture({ logger });
  const ok = await f.app.inject({ method: "GET", url: "/v1/masters" });
  const missing = await f.app.inject({ method: "GET", url: "/v1/masters/nope" });
  const refused = await f.app.inject({ method: "POST", url: "/v1/masters/mymaster/failover" });
  assert.equal(ok.statusCode, 200);
  assert.equal(missing.statusCode, 404);
  assert.equal(refused.statusCode, 401);
  const ids = [ok, missing, refused].map((r) => r.headers["x-request-id"]);
  assert.equal(new Set(ids).size, 3, `distinct ids: ${ids.join(", ")}`);
  assert.deepEqual(records, []);
  await f.app.close();
});
