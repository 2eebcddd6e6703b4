import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeLeaseGrant,
  decodeLeaseRequest,
  decodeNodeCommand,
  decodeNodeCommandReply,
  decodeNodeStatus,
  MESSAGE_BYTES_MAX,
} from "./decode.js";
import type { NodeStatusReport } from "./schemas/node-status.js";

const good = {
  v: 1,
  type: "node_command",
  epoch: 3,
  issuer: "agent-1",
  command: { type: "replicaof", host: "127.0.0.1", port: 6380 },
};

function failure(raw: string | Uint8Array): { code: string; message: string } {
  const result = decodeNodeCommand(raw);
  assert.equal(result.ok, false, "expected a decoding failure");
  return { code: result.error.code, message: result.error.message };
}

void test("a valid command decodes to a typed value", () => {
  const result = decodeNodeCommand(JSON.stringify(good));
  assert.deepEqual(result, { ok: true, value: good });
  for (const type of ["promote", "fence", "unfence", "status"]) {
    const r = decodeNodeCommand(JSON.stringify({ ...good, command: { type } }));
    assert.equal(r.ok, true, type);
  }
  assert.equal(decodeNodeCommand(new TextEncoder().encode(JSON.stringify(good))).ok, true);
});

void test("bad JSON, non-objects and bad UTF-8 are malformed", () => {
  assert.match(failure("{nope").message, /not JSON/);
  assert.equal(failure("{nope").code, "SP_ERR_MALFORMED_MESSAGE");
  assert.match(failure("[1]").message, /\/: must be an object/);
  assert.match(failure("null").message, /must be an object/);
  assert.match(failure(new Uint8Array([0x7b, 0xff, 0x7d])).message, /UTF-8/);
  assert.match(failure("x".repeat(MESSAGE_BYTES_MAX + 1)).message, /exceeds/);
});

void test("another version has its own code", () => {
  assert.deepEqual(failure(JSON.stringify({ ...good, v: 2 })), {
    code: "SP_ERR_UNSUPPORTED_VERSION",
    message: "unsupported message version 2 (this node speaks v1)",
  });
  assert.equal(failure(JSON.stringify({ ...good, v: undefined })).code, "SP_ERR_MALFORMED_MESSAGE");
  assert.equal(failure(JSON.stringify({ ...good, type: "node_status" })).code, "SP_ERR_UNKNOWN_MESSAGE_TYPE");
});

void test("errors name the path and the reason", () => {
  assert.match(failure(JSON.stringify({ ...good, epoch: -1 })).message, /\/epoch: must be >= 0/);
  assert.match(failure(JSON.stringify({ ...good, epoch: 1.5 })).message, /\/epoch: must be integer/);
  assert.match(failure(JSON.stringify({ ...good, issuer: "a b" })).message, /\/issuer: must match pattern/);
  const missingPort = failure(JSON.stringify({ ...good, command: { type: "replicaof", host: "h" } }));
  assert.equal(missingPort.message, "malformed message: /command: must have required properties port");
  const badPort = failure(
    JSON.stringify({ ...good, command: { type: "replicaof", host: "h", port: 70000 } }),
  );
  assert.equal(badPort.message, "malformed message: /command/port: must be <= 65535");
  const extra = failure(JSON.stringify({ ...good, command: { type: "promote", force: true } }));
  assert.equal(extra.message, "malformed message: /command: must not have additional properties (force)");
  assert.match(failure(JSON.stringify({ ...good, command: { type: "reboot" } })).message, /\/command\/type/);
  assert.match(failure(JSON.stringify({ ...good, extra: 1 })).message, /additional properties \(extra\)/);
});

void test("status reports and replies round-trip", () => {
  const status: NodeStatusReport = {
    v: 1,
    type: "node_status",
    cluster_id: "c1",
    node_id: "n1",
    seq: 7,
    sent_at_ms: 1,
    address: { host: "127.0.0.1", port: 6380 },
    supervised: true,
    process: { state: "exited", code: null, signal: "SIGKILL" },
    fenced: false,
    epoch: 0,
    epoch_issuer: null,
    link_down_ms: null,
    last_error: "redis-server exited",
  };
  assert.deepEqual(decodeNodeStatus(JSON.stringify(status)), { ok: true, value: status });
  const bad = decodeNodeStatus(JSON.stringify({ ...status, process: { state: "exploded" } }));
  assert.equal(bad.ok, false);
  const reply = {
    v: 1,
    type: "node_command_reply",
    node_id: "n1",
    epoch: 2,
    epoch_issuer: "a",
    ok: false,
    code: "SP_ERR_STALE_EPOCH",
    message: "stale",
  };
  assert.deepEqual(decodeNodeCommandReply(JSON.stringify(reply)), { ok: true, value: reply });
});

const leaseRequest = {
  v: 1,
  type: "lease_request",
  node_id: "redis-a",
  master_name: "mymaster",
  address: { host: "127.0.0.1", port: 6380 },
  epoch: 3,
  seq: 17,
};
const leaseGrant = {
  v: 1,
  type: "lease_grant",
  from: "a".repeat(40),
  node_id: "redis-a",
  master_name: "mymaster",
  seq: 17,
  granted: true,
  config_epoch: 3,
  lease_ms: 400,
  agents_known: 3,
};

void test("lease requests and grants decode to typed values", () => {
  assert.deepEqual(decodeLeaseRequest(JSON.stringify(leaseRequest)), { ok: true, value: leaseRequest });
  assert.deepEqual(decodeLeaseGrant(JSON.stringify(leaseGrant)), { ok: true, value: leaseGrant });
});

void test("an epoch past the largest safe integer is refused", () => {
  const result = decodeLeaseRequest(JSON.stringify({ ...leaseRequest, epoch: 2 ** 53 }));
  assert.ok(!result.ok, "expected a decoding failure");
  assert.match(result.error.message, /\/epoch: must be <= 9007199254740991/);
});

void test("a lease longer than a minute is refused", () => {
  const result = decodeLeaseGrant(JSON.stringify({ ...leaseGrant, lease_ms: 60_001 }));
  assert.ok(!result.ok, "expected a decoding failure");
  assert.equal(result.error.code, "SP_ERR_MALFORMED_MESSAGE");
});
