import { test } from "node:test";
import assert from "node:assert/strict";
import type { LeaseRequest } from "@sentinel-plane/core";
import { LeaseDesk } from "./lease-desk.js";

function desk(): { desk: LeaseDesk; delivered: LeaseRequest[]; refused: string[] } {
  const delivered: LeaseRequest[] = [];
  const refused: string[] = [];
  const d = new LeaseDesk({
    cluster_id: "c1",
    direct_waiting_max: 2,
    deliver: (request) => delivered.push(request),
    on_malformed: (_subject, code) => refused.push(code),
  });
  return { desk: d, delivered, refused };
}

const VALID = {
  v: 1,
  type: "lease_request",
  node_id: "node-1",
  master_name: "mymaster",
  address: { host: "10.0.0.1", port: 6379 },
  epoch: 3,
  seq: 12,
};

void test("a valid request is handed to the core; bad ones are refused with the protocol's codes", () => {
  const { desk: d, delivered, refused } = desk();
  d.receive("sp.c1.node.node-1.lease", JSON.stringify(VALID));
  assert.equal(delivered.length, 1);
  assert.equal(delivered[0]?.seq, 12);
  d.receive("sp.c1.node.node-1.lease", "{not json");
  d.receive("sp.c1.node.node-1.lease", JSON.stringify({ ...VALID, epoch: 2 ** 60 }));
  d.receive("sp.c1.node.node-1.lease", JSON.stringify({ ...VALID, v: 9 }));
  assert.equal(delivered.length, 1, "nothing else delivered");
  assert.deepEqual(refused, [
    "SP_ERR_MALFORMED_MESSAGE",
    "SP_ERR_MALFORMED_MESSAGE",
    "SP_ERR_UNSUPPORTED_VERSION",
  ]);
});

void test("a direct request is answered with the core's grant, not published; bounded; a timeout answers null", async () => {
  const { desk: d, delivered } = desk();
  const request = { node_id: "node-1", master_name: "mymaster", address: { host: "h", port: 1 }, epoch: 3 };
  const first = d.direct({ ...request, seq: 1 }, 10_000);
  const second = d.direct({ ...request, seq: 2 }, 1);
  assert.equal(await d.direct({ ...request, seq: 3 }, 10_000), null, "two wait already (the bound)");
  assert.equal(delivered.length, 2, "the waiting ones went to the core");
  assert.equal(await second, null, "no grant within its timeout");
  const grant = {
    type: "lease_grant" as const,
    from: "a1",
    node_id: "node-1",
    master_name: "mymaster",
    seq: 1,
    granted: true,
    config_epoch: 3,
    epoch: 3,
    lease_ms: 400,
    agents_known: 3,
  };
  d.grant(grant);
  assert.deepEqual(await first, grant);
});
