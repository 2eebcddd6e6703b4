import assert from "node:assert/strict";
import { test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { openApiValidator } from "./openapi-validate.js";
import { AUTH, fixture, MYID, OTHER_TOKEN, PEER } from "./testing/test-support.js";
import type { Fixture } from "./testing/test-support.js";
import type { Readiness } from "./deps.js";

type Method = "GET" | "PUT" | "PATCH" | "DELETE" | "POST";

/** Sends a request and checks the response against the app's own OpenAPI document. */
async function call(
  f: Fixture,
  method: Method,
  url: string,
  options: { path?: string; headers?: Record<string, string>; body?: string; json?: unknown } = {},
): Promise<LightMyRequestResponse> {
  const response = await f.app.inject({
    method,
    url,
    headers: {
      ...(options.json === undefined ? {} : { "content-type": "application/json" }),
      ...options.headers,
    },
    ...(options.json === undefined ? {} : { payload: JSON.stringify(options.json) }),
    ...(options.body === undefined ? {} : { payload: options.body }),
  });
  const content_type = String(response.headers["content-type"] ?? "");
  if (content_type.includes("json")) {
    const doc = (await f.app.inject({ method: "GET", url: "/openapi.json" })).json<unknown>();
    const errors = openApiValidator(doc)({
      method,
      path: options.path ?? url.split("?")[0] ?? url,
      status: response.statusCode,
      content_type,
      body: response.json<unknown>(),
    });
    assert.deepEqual(errors, [], `${method} ${url} -> ${response.statusCode}: ${response.body}`);
  }
  return response;
}

function assertProblem(
  response: LightMyRequestResponse,
  status: number,
  code: string,
  detail?: RegExp,
): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers["content-type"]), /^application\/problem\+json/);
  const body = response.json<{ status: number; code: string; detail: string; type: string; title: string }>();
  assert.equal(body.status, status);
  assert.equal(body.code, code);
  assert.equal(body.type, `urn:sentinel-plane:error:${code}`);
  assert.ok(body.title.length > 0);
  if (detail !== undefined) assert.match(body.detail, detail);
}

const MASTER = "/v1/masters/{name}";

void test("reads: masters, one master, replicas, agents, topology, all valid against the document", async () => {
  const f = await fixture();
  const list = await call(f, "GET", "/v1/masters");
  assert.equal(list.statusCode, 200);
  const masters = list.json<{ masters: { name: string; config_epoch: number; num_agents: number }[] }>()
    .masters;
  assert.deepEqual(
    masters.map((m) => [m.name, m.config_epoch, m.num_agents]),
    [["mymaster", 2, 2]],
  );
  const one = await call(f, "GET", "/v1/masters/mymaster", { path: MASTER });
  assert.equal(one.json<{ address: { port: number } }>().address.port, 6379);
  const replicas = await call(f, "GET", "/v1/masters/mymaster/replicas", { path: `${MASTER}/replicas` });
  assert.deepEqual(
    replicas
      .json<{ replicas: { address: { port: number }; lag_bytes: null }[] }>()
      .replicas.map((r) => [r.address.port, r.lag_bytes]),
    [
      [6380, null],
      [6381, null],
    ],
  );
  const agents = await call(f, "GET", "/v1/masters/mymaster/agents", { path: `${MASTER}/agents` });
  const entries = agents.json<{ agents: { id: string; self: boolean; leader: string | null }[] }>().agents;
  assert.deepEqual(
    entries.map((a) => [a.id, a.self, a.leader]),
    [
      [MYID, true, PEER],
      [PEER, false, null],
    ],
  );
  const topology = await call(f, "GET", "/v1/masters/mymaster/topology", { path: `${MASTER}/topology` });
  assert.equal(topology.json<{ revision: number }>().revision, 7);
});

void test("unknown master, unknown route and bad path parameters are problem+json with a code", async () => {
  const f = await fixture();
  assertProblem(
    await call(f, "GET", "/v1/masters/nope", { path: MASTER }),
    404,
    "SP_ERR_UNKNOWN_MASTER",
    /nope/,
  );
  assertProblem(
    await call(f, "GET", "/v1/masters/nope/replicas", { path: `${MASTER}/replicas` }),
    404,
    "SP_ERR_UNKNOWN_MASTER",
  );
  const missing = await f.app.inject({ method: "GET", url: "/v2/nothing" });
  assertProblem(missing, 404, "SP_ERR_NOT_FOUND", /GET \/v2\/nothing/);
  assertProblem(
    await call(f, "GET", "/v1/failovers?limit=0", { path: "/v1/failovers" }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /limit/,
  );
  assertProblem(
    await call(f, "GET", "/v1/failovers?bogus=1", { path: "/v1/failovers" }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
});

void test("changes need a valid bearer token; several tokens work; none configured refuses changes", async () => {
  const f = await fixture();
  const body = { quorum: 3 };
  const none = await call(f, "PATCH", "/v1/masters/mymaster", { path: MASTER, json: body });
  assertProblem(none, 401, "SP_ERR_UNAUTHORIZED", /missing bearer token/);
  assert.match(String(none.headers["www-authenticate"]), /^Bearer/);
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", {
      path: MASTER,
      json: body,
      headers: { authorization: "Bearer wrong-token-0123456789" },
    }),
    401,
    "SP_ERR_UNAUTHORIZED",
    /invalid bearer token/,
  );
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", {
      path: MASTER,
      json: body,
      headers: { authorization: `Basic ${OTHER_TOKEN}` },
    }),
    401,
    "SP_ERR_UNAUTHORIZED",
  );
  assert.deepEqual(f.admins, [], "nothing reached the core");
  assert.equal(f.state().masters.get("mymaster")?.settings.quorum, 2);
  const ok = await call(f, "PATCH", "/v1/masters/mymaster", {
    path: MASTER,
    json: body,
    headers: { authorization: `Bearer ${OTHER_TOKEN}` },
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json<{ quorum: number }>().quorum, 3);

  const closed = await fixture({ tokens: [] });
  assertProblem(
    await call(closed, "DELETE", "/v1/masters/mymaster", { path: MASTER, headers: AUTH }),
    403,
    "SP_ERR_FORBIDDEN",
    /no REST token/,
  );
  assert.equal(closed.state().masters.has("mymaster"), true);
});

void test("token roles: read reads, operate also fails over, admin also changes what is monitored", async () => {
  const read = "read-token-0123456789abcdef";
  const operate = "operate-token-0123456789abcdef";
  const f = await fixture({ read_auth: true, tokens: [`${read}:read`, `${operate}:operate`, OTHER_TOKEN] });
  const as = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
  for (const token of [read, operate, OTHER_TOKEN]) {
    const got = await call(f, "GET", "/v1/masters/mymaster", { path: MASTER, headers: as(token) });
    assert.equal(got.statusCode, 200, got.body);
  }
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/failover", { path: `${MASTER}/failover`, headers: as(read) }),
    403,
    "SP_ERR_FORBIDDEN",
    /role is read; this request needs operate/,
  );
  const patch = { path: MASTER, json: { quorum: 3 } };
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", { ...patch, headers: as(operate) }),
    403,
    "SP_ERR_FORBIDDEN",
    /role is operate; this request needs admin/,
  );
  assertProblem(
    await call(f, "DELETE", "/v1/masters/mymaster", { path: MASTER, headers: as(operate) }),
    403,
    "SP_ERR_FORBIDDEN",
  );
  assert.equal(f.admins.length, 0, "nothing reached the core");
  const failover = await call(f, "POST", "/v1/masters/mymaster/failover", {
    path: `${MASTER}/failover`,
    headers: as(operate),
  });
  assert.notEqual(failover.statusCode, 401);
  assert.notEqual(failover.statusCode, 403, failover.body);
  assert.deepEqual(
    f.admins.map((a) => a.type),
    ["failover"],
  );
  const changed = await call(f, "PATCH", "/v1/masters/mymaster", { ...patch, headers: as(OTHER_TOKEN) });
  assert.equal(changed.statusCode, 200, changed.body);
});

void test("PUT /v1/masters/{name} refuses the names the config file refuses", async () => {
  const f = await fixture();
  const json = { host: "127.0.0.1", port: 6390, quorum: 2 };
  for (const name of ["a\u0000b", "a\u001bb", "evil\u202Etxt", "../../etc/passwd", "a b"]) {
    const url = `/v1/masters/${encodeURIComponent(name)}`;
    const refused = await call(f, "PUT", url, { path: MASTER, json, headers: AUTH });
    assert.equal(refused.statusCode, 400, `${JSON.stringify(name)}: ${refused.body}`);
  }
  assert.deepEqual(f.admins, [], "nothing reached the core");
  const ok = await call(f, "PUT", "/v1/masters/cache-1", { path: MASTER, json, headers: AUTH });
  assert.equal(ok.statusCode, 201, ok.body);
});

void test("bad bodies: wrong types, unknown fields, out of range, malformed, huge, wrong type: 4xx, nothing changed", async () => {
  const f = await fixture({ limits: { body_max_bytes: 1024 } });
  const put = (json: unknown) => call(f, "PUT", "/v1/masters/other", { path: MASTER, json, headers: AUTH });
  assertProblem(
    await put({ host: "127.0.0.1", port: "6390", quorum: 2 }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /port/,
  );
  assertProblem(
    await put({ host: "127.0.0.1", port: 6390, quorum: 2, colour: "red" }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /additional|unknown/,
  );
  assertProblem(
    await put({ host: "127.0.0.1", port: 70000, quorum: 2 }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /port/,
  );
  assertProblem(
    await put({ host: "127.0.0.1", port: 6390, quorum: 0 }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /quorum/,
  );
  assertProblem(await put({ host: "127.0.0.1", port: 6390 }), 400, "SP_ERR_INVALID_REQUEST", /quorum/);
  assertProblem(await put([1, 2]), 400, "SP_ERR_INVALID_REQUEST");
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", {
      path: MASTER,
      json: { down_after_ms: -5 },
      headers: AUTH,
    }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /down_after_ms/,
  );
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", { path: MASTER, json: {}, headers: AUTH }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
  assertProblem(
    await call(f, "PUT", "/v1/masters/other", {
      path: MASTER,
      body: '{"host": "127.0.0.1", "port": 63',
      headers: { ...AUTH, "content-type": "application/json" },
    }),
    400,
    "SP_ERR_MALFORMED_REQUEST",
    /invalid JSON/,
  );
  assertProblem(
    await call(f, "PUT", "/v1/masters/other", {
      path: MASTER,
      body: JSON.stringify({ host: "x".repeat(5000), port: 6390, quorum: 2 }),
      headers: { ...AUTH, "content-type": "application/json" },
    }),
    413,
    "SP_ERR_PAYLOAD_TOO_LARGE",
    /1024 bytes/,
  );
  assertProblem(
    await call(f, "PUT", "/v1/masters/other", {
      path: MASTER,
      body: "host=127.0.0.1",
      headers: { ...AUTH, "content-type": "application/x-www-form-urlencoded" },
    }),
    415,
    "SP_ERR_UNSUPPORTED_MEDIA_TYPE",
  );
  assertProblem(
    await call(f, "PUT", "/v1/masters/other", {
      path: MASTER,
      body: '{"__proto__": {"quorum": 1}, "host": "h", "port": 1, "quorum": 1}',
      headers: { ...AUTH, "content-type": "application/json" },
    }),
    400,
    "SP_ERR_MALFORMED_REQUEST",
  );
  assert.deepEqual(f.admins, [], "no bad request reached the core");
  assert.deepEqual([...f.state().masters.keys()], ["mymaster"]);
  assert.equal(f.state().masters.get("mymaster")?.settings.down_after_ms, 1000);
});

void test("monitor, set, reset, remove through the core; its refusals map to coded problems", async () => {
  const f = await fixture();
  const created = await call(f, "PUT", "/v1/masters/other", {
    path: MASTER,
    json: { host: "127.0.0.1", port: 6390, quorum: 2, down_after_ms: 5000 },
    headers: AUTH,
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json<{ settings: { down_after_ms: number } }>().settings.down_after_ms, 5000);
  assertProblem(
    await call(f, "PUT", "/v1/masters/other", {
      path: MASTER,
      json: { host: "127.0.0.1", port: 6391, quorum: 2 },
      headers: AUTH,
    }),
    409,
    "SP_ERR_MASTER_EXISTS",
  );
  const set = await call(f, "PATCH", "/v1/masters/other", {
    path: MASTER,
    json: { parallel_syncs: 3, master_reboot_down_after_period_ms: 0 },
    headers: AUTH,
  });
  assert.equal(set.json<{ settings: { parallel_syncs: number } }>().settings.parallel_syncs, 3);
  const reset = await call(f, "POST", "/v1/masters/mymaster/reset", {
    path: `${MASTER}/reset`,
    headers: AUTH,
  });
  assert.deepEqual(reset.json(), { ok: true, reset: 1 });
  assert.equal(f.state().masters.get("mymaster")?.replicas.size, 0, "reset forgot the replicas");
  const removed = await call(f, "DELETE", "/v1/masters/other", { path: MASTER, headers: AUTH });
  assert.deepEqual(removed.json(), { ok: true });
  assertProblem(
    await call(f, "DELETE", "/v1/masters/other", { path: MASTER, headers: AUTH }),
    404,
    "SP_ERR_UNKNOWN_MASTER",
  );
  assertProblem(
    await call(f, "PATCH", "/v1/masters/other", { path: MASTER, json: { quorum: 1 }, headers: AUTH }),
    404,
    "SP_ERR_UNKNOWN_MASTER",
  );
  assert.deepEqual(
    f.admins.map((c) => c.type),
    ["monitor", "monitor", "set", "reset", "remove", "remove", "set"],
  );
});

void test("failover and switchover: refused by the core with NOGOODSLAVE, bad targets rejected first", async () => {
  const f = await fixture();
  // The replicas have never answered INFO: none can be promoted.
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/failover", { path: `${MASTER}/failover`, headers: AUTH }),
    409,
    "SP_ERR_NO_GOOD_REPLICA",
  );
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/switchover", {
      path: `${MASTER}/switchover`,
      json: { to: "127.0.0.1:6399" },
      headers: AUTH,
    }),
    409,
    "SP_ERR_NO_GOOD_REPLICA",
    /not a known replica/,
  );
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/switchover", {
      path: `${MASTER}/switchover`,
      json: { to: "no-port" },
      headers: AUTH,
    }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /to/,
  );
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/switchover", {
      path: `${MASTER}/switchover`,
      json: { to: "127.0.0.1:6380", force: true },
      headers: AUTH,
    }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
  // No body at all is a switchover to the best replica.
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/switchover", { path: `${MASTER}/switchover`, headers: AUTH }),
    409,
    "SP_ERR_NO_GOOD_REPLICA",
  );
  assertProblem(
    await call(f, "POST", "/v1/masters/nope/failover", { path: `${MASTER}/failover`, headers: AUTH }),
    404,
    "SP_ERR_UNKNOWN_MASTER",
  );
  assert.equal(f.state().masters.get("mymaster")?.failover, null);
});

void test("reads can require a token (read auth); health checks stay open", async () => {
  const f = await fixture({ read_auth: true });
  assertProblem(await call(f, "GET", "/v1/masters"), 401, "SP_ERR_UNAUTHORIZED");
  assertProblem(await call(f, "GET", "/metrics"), 401, "SP_ERR_UNAUTHORIZED");
  assert.equal((await call(f, "GET", "/v1/masters", { headers: AUTH })).statusCode, 200);
  assert.equal((await call(f, "GET", "/healthz")).statusCode, 200);
  assert.equal(
    (await call(f, "GET", "/primary?address=127.0.0.1:6379", { path: "/primary" })).statusCode,
    200,
  );
});

void test("health: healthz, readyz, primary and replica checks", async () => {
  const f = await fixture();
  const healthz = await call(f, "GET", "/healthz");
  assert.deepEqual(healthz.json(), { status: "ok", myid: MYID, uptime_s: 12 });
  assert.equal((await call(f, "GET", "/readyz")).statusCode, 200);
  const primary = await call(f, "GET", "/primary?address=127.0.0.1:6379", { path: "/primary" });
  assert.deepEqual(primary.json(), { address: "127.0.0.1:6379", role: "primary", master: "mymaster" });
  assertProblem(
    await call(f, "GET", "/primary?address=127.0.0.1:6380", { path: "/primary" }),
    503,
    "SP_ERR_NOT_PRIMARY",
  );
  assertProblem(
    await call(f, "GET", "/primary?address=nonsense", { path: "/primary" }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
  assertProblem(
    await call(f, "GET", "/primary", { path: "/primary" }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /address/,
  );
  assertProblem(
    await call(f, "GET", "/replica?address=127.0.0.1:6380&max_lag_bytes=100", { path: "/replica" }),
    503,
    "SP_ERR_NOT_HEALTHY_REPLICA",
  );
  assertProblem(
    await call(f, "GET", "/replica?address=127.0.0.1:6380&max_lag_bytes=-1", { path: "/replica" }),
    400,
    "SP_ERR_INVALID_REQUEST",
    /max_lag_bytes/,
  );
  const down = await fixture();
  const app = down.app;
  (down.deps as { readiness: () => { nats_connected: boolean; last_step_age_ms: number } }).readiness =
    () => ({
      nats_connected: true,
      last_step_age_ms: 60_000,
    });
  assertProblem(await app.inject({ method: "GET", url: "/readyz" }), 503, "SP_ERR_NOT_READY", /not stepped/);
  (down.deps as { readiness: () => Readiness }).readiness = () => ({
    nats_connected: true,
    last_step_age_ms: 10,
    topology: { watching: false, reason: "retrying: no responders" },
  });
  assertProblem(
    await app.inject({ method: "GET", url: "/readyz" }),
    503,
    "SP_ERR_NOT_READY",
    /committed topology is not followed: retrying: no responders/,
  );
});

void test("rate limit: beyond the budget, 429 problem+json", async () => {
  const f = await fixture({ limits: { rate_max: 3, rate_window_ms: 60_000 } });
  for (let i = 0; i < 3; i++)
    assert.equal((await f.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
  assertProblem(
    await f.app.inject({ method: "GET", url: "/healthz" }),
    429,
    "SP_ERR_RATE_LIMITED",
    /retry in/,
  );
});

void test("rate limit 0 (sentinel-plane rest-rate-limit 0): no budget, no 429", async () => {
  const f = await fixture({ limits: { rate_max: 0, rate_window_ms: 60_000 } });
  for (let i = 0; i < 300; i++)
    assert.equal((await f.app.inject({ method: "GET", url: "/healthz" })).statusCode, 200);
});

void test("failover history and votes come from the events; metrics count them", async () => {
  const f = await fixture();
  const subject = "master mymaster 127.0.0.1 6379";
  f.events.emit("+vote-for-leader", "mymaster", `${PEER} 4`, PEER, 4);
  f.events.emit("+try-failover", "mymaster", subject, PEER, 4);
  f.events.emit("+elected-leader", "mymaster", subject, PEER, 4);
  f.events.emit("+switch-master", "mymaster", "mymaster 127.0.0.1 6379 127.0.0.1 6380", PEER, 4);
  f.events.emit("+failover-end", "mymaster", "master mymaster 127.0.0.1 6380", PEER, 4);
  f.events.emit("+try-failover", "mymaster", subject, MYID, 5);
  f.events.emit("-failover-abort-not-elected", "mymaster", subject, MYID, 5);
  const response = await call(f, "GET", "/v1/failovers?master=mymaster", { path: "/v1/failovers" });
  const failovers = response.json<{
    failovers: { leader: string; epoch: number; outcome: string; to: unknown; events: { name: string }[] }[];
  }>().failovers;
  assert.deepEqual(
    failovers.map((x) => [x.leader, x.epoch, x.outcome]),
    [
      [MYID, 5, "not-elected"],
      [PEER, 4, "end"],
    ],
  );
  const peers = failovers[1];
  assert.ok(peers);
  assert.deepEqual(peers.to, { host: "127.0.0.1", port: 6380 });
  assert.deepEqual(
    peers.events.map((e) => e.name),
    ["+try-failover", "+elected-leader", "+switch-master", "+failover-end"],
  );
  const agents = (await call(f, "GET", "/v1/masters/mymaster/agents", { path: `${MASTER}/agents` })).json<{
    agents: { id: string; leader: string | null; leader_epoch: number | null }[];
  }>().agents;
  assert.deepEqual(agents[1], { ...agents[1], id: PEER, leader: PEER, leader_epoch: 4 });
  const metrics = await f.app.inject({ method: "GET", url: "/metrics" });
  assert.equal(metrics.statusCode, 200);
  assert.match(String(metrics.headers["content-type"]), /^text\/plain/);
  assert.match(metrics.body, /sp_events_total\{event="\+try-failover"\} 2/);
  assert.match(metrics.body, /sp_failovers_total\{master="mymaster",outcome="not-elected"\} 1/);
  assert.match(metrics.body, /sp_master_config_epoch\{master="mymaster"\} 2/);
  assert.match(
    metrics.body,
    /sp_http_request_duration_seconds_count\{method="GET",route="\/v1\/failovers",status="200"\} 1/,
  );
});

void test("/openapi.json is OpenAPI 3.1 and /docs serves Swagger UI", async () => {
  const f = await fixture();
  const doc = (await f.app.inject({ method: "GET", url: "/openapi.json" })).json<{
    openapi: string;
    paths: Record<string, unknown>;
  }>();
  assert.equal(doc.openapi, "3.1.0");
  for (const path of [
    "/v1/masters",
    "/v1/masters/{name}",
    "/v1/masters/{name}/replicas",
    "/v1/masters/{name}/agents",
    "/v1/masters/{name}/topology",
    "/v1/masters/{name}/reset",
    "/v1/masters/{name}/failover",
    "/v1/masters/{name}/switchover",
    "/v1/failovers",
    "/v1/events",
    "/primary",
    "/replica",
    "/healthz",
    "/readyz",
    "/metrics",
  ]) {
    assert.ok(path in doc.paths, path);
  }
  const docs = await f.app.inject({ method: "GET", url: "/docs/" });
  assert.equal(docs.statusCode, 200);
  assert.match(docs.body, /swagger/i);
});

void test("promotion limits: PATCH sets them (0 = off, negatives refused); failover carries force", async () => {
  const f = await fixture();
  const set = await call(f, "PATCH", "/v1/masters/mymaster", {
    path: MASTER,
    json: { max_promotion_lag_bytes: 1_048_576, max_promotion_lag_ms: 0 },
    headers: AUTH,
  });
  assert.equal(set.statusCode, 200, set.body);
  const settings = set.json<{ settings: Record<string, number> }>().settings;
  assert.equal(settings["max_promotion_lag_bytes"], 1_048_576);
  assert.equal(settings["max_promotion_lag_ms"], 0);
  assertProblem(
    await call(f, "PATCH", "/v1/masters/mymaster", {
      path: MASTER,
      json: { max_promotion_lag_bytes: -1 },
      headers: AUTH,
    }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
  // The replicas never answered INFO, so the core refuses; what matters is what it was asked.
  await call(f, "POST", "/v1/masters/mymaster/failover", {
    path: `${MASTER}/failover`,
    json: { force: true },
    headers: AUTH,
  });
  assertProblem(
    await call(f, "POST", "/v1/masters/mymaster/failover", {
      path: `${MASTER}/failover`,
      json: { force: "yes" },
      headers: AUTH,
    }),
    400,
    "SP_ERR_INVALID_REQUEST",
  );
  const failovers = f.admins.filter((c) => c.type === "failover");
  assert.deepEqual(failovers.at(-1), { type: "failover", name: "mymaster", force: true });
});
