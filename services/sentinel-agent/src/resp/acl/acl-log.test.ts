// ACL LOG's memory: newest first, similar denials within 60 s counted on one entry, bounded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AclLog } from "./acl-log.js";

const denial = (object: string, username = "u") =>
  ({ reason: "command", object, username, client_info: `cmd=${object}` }) as const;

void test("newest first; a like denial within 60 s of the last update is counted, not added", () => {
  const log = new AclLog();
  log.record(denial("info"), 1000);
  log.record(denial("role"), 2000);
  log.record(denial("info"), 30_000);
  const entries = log.latest(null);
  assert.deepEqual(
    entries.map((e) => [e.object, e.count, e.updated_ms]),
    [
      ["info", 2, 30_000],
      ["role", 1, 2000],
    ],
  );
  // 60 s after the last update: a new entry; another user or reason: a new entry.
  log.record(denial("info"), 90_000);
  log.record(denial("info", "v"), 90_001);
  log.record({ ...denial("info"), reason: "auth" }, 90_002);
  assert.deepEqual(
    log.latest(null).map((e) => [e.reason, e.object, e.username, e.count]),
    [
      ["auth", "info", "u", 1],
      ["command", "info", "v", 1],
      ["command", "info", "u", 1],
      ["command", "info", "u", 2],
      ["command", "role", "u", 1],
    ],
  );
});

void test("bounded by max_len (oldest dropped); latest(n) and reset", () => {
  const log = new AclLog(3);
  for (let i = 0; i < 5; i++) log.record(denial(`c${i}`), i);
  assert.deepEqual(
    log.latest(null).map((e) => e.object),
    ["c4", "c3", "c2"],
  );
  assert.deepEqual(
    log.latest(1).map((e) => e.object),
    ["c4"],
  );
  assert.deepEqual(log.latest(-1), []);
  log.reset();
  assert.deepEqual(log.latest(null), []);
});
