import assert from "node:assert/strict";
import { test } from "node:test";
import { CliError, EXIT } from "../errors.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import { firstAnswer, parseAgentUrl, parseHostPort, resolveEndpoints } from "./agents.js";
import type { Endpoint } from "./agents.js";
import { AgentUnreachable, RestAgent } from "./rest.js";
import { RespAgent } from "./resp.js";

const local: ClusterSettings = {
  version: 1,
  cluster_id: "local-x",
  master_name: "mymaster",
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 10_000,
  rest_token: "token-from-the-state-dir",
  ports: { nats: 1, redis: [2, 3, 4], sentinel: [5, 6, 7], rest: [8, 9, 10] },
  created_at: "2026-01-01T00:00:00Z",
};

void test("addresses: host:port, [v6]:port, http(s) origins", () => {
  assert.deepEqual(parseHostPort("10.0.0.5:26379"), { host: "10.0.0.5", port: 26379 });
  assert.deepEqual(parseHostPort("[fd00::1]:26379"), { host: "fd00::1", port: 26379 });
  assert.equal(parseHostPort("10.0.0.5"), null);
  assert.equal(parseHostPort("h:70000"), null);
  assert.equal(parseAgentUrl("http://10.0.0.5:8080/x"), "http://10.0.0.5:8080");
  assert.equal(parseAgentUrl("ftp://h"), null);
});

void test("endpoints: explicit ones win; else the local cluster's agents with its token", () => {
  const explicit = resolveEndpoints(
    { agents: ["http://a:1,http://b:2"], sentinels: ["c:3"], token: null, timeout_ms: 100 },
    local,
  );
  assert.deepEqual(
    explicit.map((e) => [e.rest?.label ?? null, e.resp?.label ?? null]),
    [
      ["http://a:1", null],
      ["http://b:2", null],
      [null, "c:3 (RESP)"],
    ],
  );
  const from_dir = resolveEndpoints({ agents: [], sentinels: [], token: null, timeout_ms: 100 }, local);
  assert.equal(from_dir.length, 3);
  assert.equal(from_dir[0]?.rest?.options.token, "token-from-the-state-dir");
  assert.equal(from_dir[2]?.resp?.label, "127.0.0.1:7 (RESP)");
  assert.throws(
    () => resolveEndpoints({ agents: ["nope"], sentinels: [], token: null, timeout_ms: 100 }, null),
    (e: unknown) => e instanceof CliError && e.exit_code === EXIT.usage,
  );
});

// Never connected: the operations below are fakes that only read the label.
const rest = (name: string): RestAgent =>
  new RestAgent({ base_url: `http://${name}`, token: null, timeout_ms: 1 });
const fakeRest = rest("rest");
const fakeResp = new RespAgent({ host: "resp", port: 1, timeout_ms: 1 });

void test("firstAnswer: REST first, RESP when REST is unreachable, next agent after both", async () => {
  const endpoints: Endpoint[] = [
    { rest: fakeRest, resp: fakeResp },
    { rest: rest("rest-2"), resp: null },
  ];
  const down = (label: string): Promise<never> => Promise.reject(new AgentUnreachable(label, "ECONNREFUSED"));
  const viaResp = await firstAnswer(endpoints, {
    rest: (a) => down(a.label),
    resp: () => Promise.resolve(1),
  });
  assert.deepEqual(viaResp, { value: 1, via: "resp:1 (RESP)", path: "resp" });
  const second = await firstAnswer(endpoints, {
    rest: (a) => (a.label === "http://rest" ? down(a.label) : Promise.resolve(2)),
    resp: (a) => down(a.label),
  });
  assert.deepEqual(second, { value: 2, via: "http://rest-2", path: "rest" });
  await assert.rejects(
    firstAnswer(endpoints, { rest: (a) => down(a.label), resp: (a) => down(a.label) }),
    (e: unknown) => e instanceof CliError && e.exit_code === EXIT.unreachable && /rest-2/.test(e.detail),
  );
});

void test("firstAnswer: a refusal is final, no other agent is asked", async () => {
  let asked = 0;
  const endpoints: Endpoint[] = [
    { rest: fakeRest, resp: null },
    { rest: fakeRest, resp: null },
  ];
  await assert.rejects(
    firstAnswer(endpoints, {
      rest: () => {
        asked += 1;
        return Promise.reject(new CliError(EXIT.refused, "SP_ERR_UNKNOWN_MASTER", "no"));
      },
    }),
    (e: unknown) => e instanceof CliError && e.code === "SP_ERR_UNKNOWN_MASTER",
  );
  assert.equal(asked, 1);
});

void test("firstAnswer: a REST-only operation with only Sentinel ports says so", async () => {
  await assert.rejects(
    firstAnswer([{ rest: null, resp: fakeResp }], { rest: () => Promise.resolve(1) }),
    (e: unknown) => e instanceof CliError && e.code === "CLI_NO_PATH",
  );
});
