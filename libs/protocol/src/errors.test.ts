import assert from "node:assert/strict";
import { test } from "node:test";
import { ERRORS, SpError, formatErrorMessage, isErrorCode, spError } from "./errors.js";

void test("every code is SP_ERR_* with a status and a template", () => {
  for (const [code, entry] of Object.entries(ERRORS)) {
    assert.match(code, /^SP_ERR_[A-Z_]+$/);
    assert.ok(entry.status >= 400 && entry.status < 600, code);
    assert.ok(entry.template.length > 0, code);
  }
  assert.equal(isErrorCode("SP_ERR_STALE_EPOCH"), true);
  assert.equal(isErrorCode("toString"), false);
});

void test("SpError carries code, status, message and cause", () => {
  const cause = new Error("ECONNREFUSED");
  const error = spError("SP_ERR_STALE_EPOCH", [3, 5, "agent-a"], cause);
  assert.ok(error instanceof SpError);
  assert.equal(error.code, "SP_ERR_STALE_EPOCH");
  assert.equal(error.status, 409);
  assert.equal(error.message, "stale epoch 3: this node has accepted epoch 5 (issuer agent-a)");
  assert.equal(error.cause, cause);
  assert.deepEqual(JSON.parse(JSON.stringify(error)), { code: error.code, message: error.message });
  assert.equal(formatErrorMessage("SP_ERR_TIMEOUT", ["x"]), "x timed out after %s ms");
});
