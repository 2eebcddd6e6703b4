import { test } from "node:test";
import assert from "node:assert/strict";
import type { LeaseRequest } from "@sentinel-plane/core";
import { LeaseDesk } from "./lease-desk.js";

function desk(): { desk: LeaseDesk; delivered: LeaseRequest[]; refused: string[] } {
  const delivered: LeaseRequest[] = [];
  const refused: string[] = [];
  const d = new LeaseDesk({
    cluster_id: "c1",
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
