import assert from "node:assert/strict";
import { test } from "node:test";
import { auditedCommand, replyOutcome } from "./audit.js";
import { OK } from "./reply.js";

void test("resp audit: changes are audited with their master, reads and peer traffic are not", () => {
  assert.deepEqual(auditedCommand(["SENTINEL", "set", "mymaster", "quorum", "2"]), {
    action: "SENTINEL SET",
    args: ["mymaster", "quorum", "2"],
    master: "mymaster",
  });
  assert.equal(auditedCommand(["sentinel", "RESET", "*"])?.master, null);
  assert.equal(
    auditedCommand(["sentinel", "config", "set", "resolve-hostnames", "yes"])?.action,
    "SENTINEL CONFIG",
  );
  assert.equal(auditedCommand(["sentinel", "config", "get", "*"]), null);
  assert.equal(auditedCommand(["sentinel", "masters"]), null);
  assert.equal(auditedCommand(["sentinel", "is-master-down-by-addr", "h", "1", "0", "*"]), null);
  assert.equal(auditedCommand(["sentinel", "debug"]), null);
  assert.equal(auditedCommand(["ping"]), null);
});

void test("resp audit: the outcome is ok or the error's first word", () => {
  assert.deepEqual(replyOutcome(OK), { outcome: "ok", detail: null });
  assert.deepEqual(replyOutcome({ type: "error", value: "NOGOODSLAVE No suitable replica" }), {
    outcome: "NOGOODSLAVE",
    detail: "NOGOODSLAVE No suitable replica",
  });
});
