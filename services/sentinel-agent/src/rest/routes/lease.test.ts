import assert from "node:assert/strict";
import { test } from "node:test";
import { step } from "@sentinel-plane/core";
import type { LeaseGrant, LeaseRequest } from "@sentinel-plane/core";
import { AUTH, fixture, TEST_TOKEN } from "../testing/test-support.js";
import type { Fixture } from "../testing/test-support.js";

const LEASE_TOKEN = "lease-token-0123456789abcdef";
const LEASE_AUTH = { authorization: `Bearer ${LEASE_TOKEN}` };
/** The lease token of another data-node (node-2). */
const OTHER_LEASE_TOKEN = "lease-token-of-node-2-0123456789";
const REQUEST = {
  v: 1,
  type: "lease_request",
  node_id: "node-1",
  master_name: "mymaster",
  address: { host: "127.0.0.1", port: 6379 },
  epoch: 2,
  seq: 7,
};

/** The route's answer comes from the real core: its `lease_grant` effect for the request. */
async function leaseFixture(): Promise<{ f: Fixture; asked: LeaseRequest[] }> {
  const asked: LeaseRequest[] = [];
  const holder: { f: Fixture | null } = { f: null };
  const lease_direct = (request: LeaseRequest): Promise<LeaseGrant | null> => {
    asked.push(request);
    const state = holder.f?.state();
    if (state === undefined) throw new Error("no state");
    const output = step(state, { type: "lease_request", now_ms: state.now_ms, request }, { int: () => 0 });
    const effect = output.effects.find((e) => e.type === "lease_grant");
    return Promise.resolve(effect?.type === "lease_grant" ? effect.grant : null);
  };
  const f = await fixture({
    tokens: [TEST_TOKEN, `${LEASE_TOKEN}:lease:node-1`, `${OTHER_LEASE_TOKEN}:lease:node-2`],
    lease_direct,
  });
  holder.f = f;
  return { f, asked };
}

void test("a lease token's request is answered with the core's grant, in the wire form", async () => {
  const { f, asked } = await leaseFixture();
  const response = await f.app.inject({
    method: "POST",
    url: "/v1/internal/lease",
    headers: LEASE_AUTH,
    payload: REQUEST,
  });
  assert.equal(response.statusCode, 200, response.body);
  const grant = response.json<Record<string, unknown>>();
  assert.equal(asked.length, 1);
  assert.equal(grant["v"], 1);
  assert.equal(grant["type"], "lease_grant");
  assert.equal(grant["node_id"], "node-1");
  assert.equal(grant["seq"], 7);
  assert.equal(typeof grant["granted"], "boolean");
  assert.equal(grant["agents_known"], 2, "the fixture's agent knows one peer");
});

void test("only a token of the lease role reaches the route, and it reaches nothing else", async () => {
  const { f, asked } = await leaseFixture();
  const post = (headers: Record<string, string>) =>
    f.app.inject({ method: "POST", url: "/v1/internal/lease", headers, payload: REQUEST });
  const none = await post({});
  assert.equal(none.statusCode, 401);
  assert.equal(none.json<{ code: string }>().code, "SP_ERR_UNAUTHORIZED");
  const admin = await post(AUTH);
  assert.equal(admin.statusCode, 403, "an admin token is not a data-node's");
  assert.equal(admin.json<{ code: string }>().code, "SP_ERR_FORBIDDEN");
  assert.equal(asked.length, 0);
  const failover = await f.app.inject({
    method: "POST",
    url: "/v1/masters/mymaster/failover",
    headers: LEASE_AUTH,
  });
  assert.equal(failover.statusCode, 401, "a lease token runs no failover");
});

void test("a lease token asks for its own data-node only: another node's request is refused with a code", async () => {
  const { f, asked } = await leaseFixture();
  const other = await f.app.inject({
    method: "POST",
    url: "/v1/internal/lease",
    headers: { authorization: `Bearer ${OTHER_LEASE_TOKEN}` },
    payload: REQUEST,
  });
  assert.equal(other.statusCode, 403, other.body);
  const problem = other.json<{ code: string; detail: string }>();
  assert.equal(problem.code, "SP_ERR_LEASE_NODE_MISMATCH");
  assert.match(problem.detail, /for data-node node-2; the request claims data-node node-1/);
  assert.equal(asked.length, 0, "the core never saw it");
  const own = await f.app.inject({
    method: "POST",
    url: "/v1/internal/lease",
    headers: { authorization: `Bearer ${OTHER_LEASE_TOKEN}` },
    payload: { ...REQUEST, node_id: "node-2" },
  });
  assert.equal(own.statusCode, 200, own.body);
  assert.equal(asked.length, 1);
});

void test("a malformed request is refused with the protocol's code, before the core", async () => {
  const { f, asked } = await leaseFixture();
  for (const payload of [{ ...REQUEST, epoch: 2 ** 60 }, { ...REQUEST, type: "vote_request" }, { v: 1 }]) {
    const response = await f.app.inject({
      method: "POST",
      url: "/v1/internal/lease",
      headers: LEASE_AUTH,
      payload,
    });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json<{ code: string }>().code, /^SP_ERR_(MALFORMED_MESSAGE|UNKNOWN_MESSAGE_TYPE)$/);
  }
  assert.equal(asked.length, 0);
});

void test("no answer from the core in time: 504", async () => {
  const f = await fixture({
    tokens: [`${LEASE_TOKEN}:lease:node-1`],
    lease_direct: () => Promise.resolve(null),
  });
  const response = await f.app.inject({
    method: "POST",
    url: "/v1/internal/lease",
    headers: LEASE_AUTH,
    payload: REQUEST,
  });
  assert.equal(response.statusCode, 504);
  assert.equal(response.json<{ code: string }>().code, "SP_ERR_TIMEOUT");
});
