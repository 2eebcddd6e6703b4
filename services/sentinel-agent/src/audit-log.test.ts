import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeAuditRecord } from "@sentinel-plane/protocol";
import { createLogger } from "@sentinel-plane/runtime";
import { AuditLog, bodyArgs, REDACTED, redactArgs } from "./audit-log.js";

void test("audit: secret values are redacted, option names kept", () => {
  assert.deepEqual(redactArgs(["mymaster", "auth-pass", "s3cret", "quorum", "2"]), [
    "mymaster",
    "auth-pass",
    REDACTED,
    "quorum",
    "2",
  ]);
  assert.deepEqual(redactArgs(["sentinel-pass", "x"]), ["sentinel-pass", REDACTED]);
  assert.deepEqual(bodyArgs({ quorum: 2, auth_pass: "s3cret" }), ["quorum=2", `auth_pass=${REDACTED}`]);
  assert.deepEqual(bodyArgs(null), []);
});

void test("audit: a record decodes with the protocol's schema and is queued with a unique msg id", () => {
  const appended: { msg_id: string; data: string }[] = [];
  const log = new AuditLog(
    { myid: "a".repeat(40), wall_ms: () => 1_700_000_000_000, journal: { append: (e) => appended.push(e) } },
    createLogger({ service: "test", level: "silent" }),
  );
  const input = {
    channel: "resp" as const,
    address: "127.0.0.1:5000",
    principal: "default",
    client: null,
    action: "SENTINEL SET",
    args: ["mymaster", "auth-pass", "hunter2"],
    master: "mymaster",
    outcome: "ok",
    detail: null,
  };
  log.record(input);
  log.record({ ...input, outcome: "ERR" });
  assert.equal(appended.length, 2);
  assert.notEqual(appended[0]?.msg_id, appended[1]?.msg_id);
  const decoded = decodeAuditRecord(appended[0]?.data ?? "");
  assert.ok(decoded.ok, decoded.ok ? "" : decoded.error.message);
  assert.deepEqual(decoded.value.args, ["mymaster", "auth-pass", REDACTED]);
  assert.doesNotMatch(appended[0]?.data ?? "", /hunter2/);
});
