import assert from "node:assert/strict";
import { test } from "node:test";
import { AUTH, fixture } from "../testing/test-support.js";
import { durationMs } from "./maintenance.js";

const JSON_HEADERS = { ...AUTH, "content-type": "application/json" };

void test("durations: 90s, 30m, 2h, 1d; anything else is not one", () => {
  assert.equal(durationMs("90s"), 90_000);
  assert.equal(durationMs("30m"), 1_800_000);
  assert.equal(durationMs("2h"), 7_200_000);
  assert.equal(durationMs("1d"), 86_400_000);
  assert.equal(durationMs("250ms"), 250);
  for (const bad of ["", "30", "m", "1.5h", "-1m", "30 m"]) assert.equal(durationMs(bad), null, bad);
});

void test("a pause without an expiry is refused before the core; with one the core gets it, with who asked", async () => {
  const f = await fixture();
  const url = "/v1/masters/mymaster/pause";
  const none = await f.app.inject({ method: "POST", url, headers: JSON_HEADERS, payload: "{}" });
  assert.equal(none.statusCode, 400, none.body);
  assert.equal(none.json<{ code: string }>().code, "SP_ERR_PAUSE_EXPIRY_INVALID");
  const both = await f.app.inject({
    method: "POST",
    url,
    headers: JSON_HEADERS,
    payload: JSON.stringify({ for: "30m", duration_ms: 1000 }),
  });
  assert.equal(both.json<{ code: string }>().code, "SP_ERR_PAUSE_EXPIRY_INVALID");
  assert.equal(f.admins.length, 0, "nothing reached the core");
  // The fixture's core has had no tick with a wall clock: it refuses, and the code says why.
  const asked = await f.app.inject({
    method: "POST",
    url,
    headers: JSON_HEADERS,
    payload: JSON.stringify({ for: "30m", by: "ops" }),
  });
  assert.equal(asked.statusCode, 503, asked.body);
  assert.equal(asked.json<{ code: string }>().code, "SP_ERR_UNAVAILABLE");
  const command = f.admins[0];
  assert.ok(command?.type === "pause");
  assert.equal(command.duration_ms, 1_800_000);
  assert.match(command.by, /^rest token:[0-9a-f]{8} 127\.0\.0\.1 ops$/);
});

void test("pause, resume and acknowledge need the operate role", async () => {
  const read = "read-token-0123456789abcdef";
  const f = await fixture({ tokens: [`${read}:read`] });
  for (const [url, payload] of [
    ["/v1/masters/mymaster/pause", { for: "1m" }],
    ["/v1/masters/mymaster/resume", {}],
    ["/v1/masters/mymaster/acknowledge", {}],
    ["/v1/pause", { for: "1m" }],
    ["/v1/resume", {}],
  ] as const) {
    const response = await f.app.inject({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${read}`, "content-type": "application/json" },
      payload: JSON.stringify(payload),
    });
    assert.equal(response.statusCode, 403, `${url}: ${response.body}`);
  }
  assert.equal(f.admins.length, 0);
});

void test("the master view shows the operator's controls", async () => {
  const f = await fixture();
  const response = await f.app.inject({ method: "GET", url: "/v1/masters/mymaster" });
  const body = response.json<{ operator: Record<string, unknown>; settings: Record<string, unknown> }>();
  assert.equal(body.operator["paused"], false);
  assert.equal(body.operator["failover_blocked_until_unix_ms"], null);
  assert.equal(body.settings["failover_block_period_ms"], 600_000);
});
