import assert from "node:assert/strict";
import { test } from "node:test";
import type { SwitchoverRequest } from "@sentinel-plane/protocol";
import { checkSwitchoverRequest, switchoverSender } from "./switchover-desk.js";

const request: SwitchoverRequest = {
  v: 1,
  type: "switchover_request",
  node_id: "n1",
  master_name: "mymaster",
  address: { host: "10.0.0.1", port: 6380 },
  reason: "SIGTERM",
};
const SUBJECT = "sp.c.node.n1.switchover";

void test("the subject names the sender", () => {
  assert.equal(switchoverSender(SUBJECT), "n1");
  assert.equal(switchoverSender("sp.c.node.n1.lease"), null);
  assert.equal(switchoverSender("sp.c.node.n1.switchover.x"), null);
});

void test("only the master's current primary, asking as itself, may start a shutdown switchover", () => {
  assert.deepEqual(checkSwitchoverRequest(SUBJECT, request, request.address), { ok: true });
  const forged = checkSwitchoverRequest("sp.c.node.n2.switchover", request, request.address);
  assert.equal(forged.ok ? null : forged.code, "SP_ERR_FORBIDDEN");
  const unknown = checkSwitchoverRequest(SUBJECT, request, null);
  assert.equal(unknown.ok ? null : unknown.code, "SP_ERR_UNKNOWN_MASTER");
  const replica = checkSwitchoverRequest(SUBJECT, request, { host: "10.0.0.2", port: 6380 });
  assert.equal(replica.ok ? null : replica.code, "SP_ERR_NOT_PRIMARY");
});
