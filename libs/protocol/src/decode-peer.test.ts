import assert from "node:assert/strict";
import { test } from "node:test";
import { decodePeerBatch, decodePeerMessage, PEER_BATCH_MAX } from "./decode-peer.js";

const hello = (master_name: string): Record<string, unknown> => ({
  v: 1,
  type: "hello",
  from: "a".repeat(40),
  announce: { host: "10.0.0.1", port: 26379 },
  current_epoch: 3,
  master_name,
  master_address: { host: "10.0.0.2", port: 6379 },
  config_epoch: 2,
});

void test("a peer payload of one message decodes as before", () => {
  const raw = JSON.stringify(hello("m1"));
  assert.ok(decodePeerMessage(raw).ok);
  const batch = decodePeerBatch(raw);
  assert.deepEqual(batch.errors, []);
  assert.deepEqual(
    batch.messages.map((m) => m.type === "hello" && m.master_name),
    ["m1"],
  );
});

void test("a batch keeps its valid messages in order and reports each bad one", () => {
  const batch = decodePeerBatch(JSON.stringify([hello("m1"), { ...hello("m2"), v: 9 }, hello("m3")]));
  assert.deepEqual(
    batch.messages.map((m) => m.type === "hello" && m.master_name),
    ["m1", "m3"],
  );
  assert.deepEqual(
    batch.errors.map((e) => e.code),
    ["SP_ERR_UNSUPPORTED_VERSION"],
  );
});

void test("an empty or oversized batch, or bad JSON, is refused whole with a code", () => {
  for (const raw of [
    "[]",
    JSON.stringify(Array.from({ length: PEER_BATCH_MAX + 1 }, (_, i) => hello(`m${i}`))),
    "[{",
  ]) {
    const batch = decodePeerBatch(raw);
    assert.equal(batch.messages.length, 0);
    assert.equal(batch.errors.length, 1);
    assert.equal(batch.errors[0]?.code, "SP_ERR_MALFORMED_MESSAGE");
  }
});
