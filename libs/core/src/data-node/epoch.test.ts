import assert from "node:assert/strict";
import { test } from "node:test";
import { EPOCH_STEP_MAX } from "../epoch-guard.js";
import { checkEpoch, followsCommitted } from "./epoch.js";

void test("a higher epoch is accepted and must be persisted", () => {
  assert.deepEqual(checkEpoch({ epoch: 3, issuer: "a" }, { epoch: 4, issuer: "b" }), {
    accept: true,
    next: { epoch: 4, issuer: "b" },
    persist: true,
  });
  assert.deepEqual(checkEpoch({ epoch: 0, issuer: null }, { epoch: 0, issuer: "a" }), {
    accept: true,
    next: { epoch: 0, issuer: "a" },
    persist: true,
  });
});

void test("the same epoch from the same issuer is accepted without persisting", () => {
  assert.deepEqual(checkEpoch({ epoch: 3, issuer: "a" }, { epoch: 3, issuer: "a" }), {
    accept: true,
    next: { epoch: 3, issuer: "a" },
    persist: false,
  });
});

void test("a lower epoch is stale; the same epoch from another issuer is a conflict", () => {
  const stale = checkEpoch({ epoch: 3, issuer: "a" }, { epoch: 2, issuer: "a" });
  assert.equal(stale.accept, false);
  assert.equal(stale.error.code, "SP_ERR_STALE_EPOCH");
  assert.equal(stale.error.message, "stale epoch 2: this node has accepted epoch 3 (issuer a)");
  const conflict = checkEpoch({ epoch: 3, issuer: "a" }, { epoch: 3, issuer: "b" });
  assert.equal(conflict.accept, false);
  assert.equal(conflict.error.code, "SP_ERR_EPOCH_CONFLICT");
});

void test("an unvalidated epoch is a programmer error", () => {
  assert.throws(() => checkEpoch({ epoch: 0, issuer: null }, { epoch: -1, issuer: "a" }));
});

void test("an epoch more than EPOCH_STEP_MAX above the accepted one is refused with a code", () => {
  const held = { epoch: 7, issuer: "a" };
  const forged = checkEpoch(held, { epoch: 7 + EPOCH_STEP_MAX + 1, issuer: "b" });
  assert.equal(forged.accept, false);
  assert.equal(forged.error.code, "SP_ERR_EPOCH_JUMP");
  assert.equal(
    forged.error.message,
    `epoch ${7 + EPOCH_STEP_MAX + 1} is more than ${EPOCH_STEP_MAX} above the accepted epoch 7: refused as forged or corrupt`,
  );
  assert.equal(checkEpoch(held, { epoch: Number.MAX_SAFE_INTEGER, issuer: "b" }).accept, false);
  // The bound itself is an honest step.
  assert.equal(checkEpoch(held, { epoch: 7 + EPOCH_STEP_MAX, issuer: "b" }).accept, true);
});

void test("a replicaof to the primary committed at that epoch is accepted from any issuer, and keeps the issuer", () => {
  const committed = { config_epoch: 3, primary: { host: "10.0.0.13", port: 7379 } };
  const fix = { epoch: 3, issuer: "b", command: { type: "replicaof", host: "10.0.0.13", port: 7379 } };
  assert.equal(followsCommitted(fix, committed), true);
  assert.deepEqual(checkEpoch({ epoch: 3, issuer: "a" }, fix, followsCommitted(fix, committed)), {
    accept: true,
    next: { epoch: 3, issuer: "a" },
    persist: false,
  });
});

void test("anything else at the same epoch from another issuer stays a conflict", () => {
  const committed = { config_epoch: 3, primary: { host: "10.0.0.13", port: 7379 } };
  const other_primary = {
    epoch: 3,
    issuer: "b",
    command: { type: "replicaof", host: "10.0.0.12", port: 7379 },
  };
  const older_record = {
    epoch: 3,
    issuer: "b",
    command: { type: "replicaof", host: "10.0.0.13", port: 7379 },
  };
  const promote = { epoch: 3, issuer: "b", command: { type: "promote" } };
  assert.equal(followsCommitted(other_primary, committed), false);
  assert.equal(followsCommitted(older_record, { ...committed, config_epoch: 2 }), false);
  assert.equal(followsCommitted(promote, committed), false);
  assert.equal(followsCommitted(older_record, null), false);
  const refused = checkEpoch({ epoch: 3, issuer: "a" }, promote, followsCommitted(promote, committed));
  assert.equal(refused.accept, false);
  // A lower epoch stays stale whatever the command says.
  const stale = { epoch: 2, issuer: "a", command: older_record.command };
  const decision = checkEpoch({ epoch: 3, issuer: "a" }, stale, true);
  assert.equal(decision.accept, false);
});
