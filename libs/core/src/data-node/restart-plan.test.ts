import assert from "node:assert/strict";
import { test } from "node:test";
import { dataCheck, planRestart, restartFollows } from "./restart-plan.js";
import type { RestartPlanInput } from "./restart-plan.js";

const self = { host: "10.0.0.1", port: 6380 };
const other = { host: "10.0.0.2", port: 6380 };
const base: RestartPlanInput = {
  self,
  committed_primary: null,
  topology_followed: true,
  last_role: "slave",
  exited_ms: 1000,
  now_ms: 2000,
  primary_wait_ms: 30_000,
};

void test("another committed primary: start as its replica, whatever the role before", () => {
  for (const last_role of ["master", "slave", null] as const) {
    assert.deepEqual(planRestart({ ...base, committed_primary: other, last_role }), {
      action: "replica_of",
      primary: other,
    });
  }
});

void test("the committed primary itself: wait for another primary, then start held (never writable)", () => {
  const mine = { ...base, committed_primary: self, last_role: "master" as const };
  assert.deepEqual(planRestart(mine), { action: "wait", until_ms: 31_000 });
  const late = planRestart({ ...mine, now_ms: 31_000 });
  assert.equal(late.action, "held");
});

void test("a master before the crash with no topology known: held, at once when none is followed", () => {
  const unknown = { ...base, last_role: "master" as const };
  assert.equal(planRestart(unknown).action, "wait");
  assert.equal(planRestart({ ...unknown, topology_followed: false }).action, "held");
});

void test("a replica with no topology known starts as configured", () => {
  assert.deepEqual(planRestart(base), { action: "as_configured" });
  assert.deepEqual(planRestart({ ...base, last_role: null }), { action: "as_configured" });
});

void test("data check: empty only when it had keys and has none, and only once loaded", () => {
  assert.equal(dataCheck({ keys_before: 10, keys_now: 0, loading: true }), "loading");
  assert.equal(dataCheck({ keys_before: 10, keys_now: 0, loading: false }), "empty");
  assert.equal(dataCheck({ keys_before: 10, keys_now: 3, loading: false }), "intact");
  assert.equal(dataCheck({ keys_before: 0, keys_now: 0, loading: false }), "intact");
  assert.equal(dataCheck({ keys_before: null, keys_now: 0, loading: false }), "intact");
});

void test("a record older than the accepted epoch names no primary to follow: the newer promotion waits", () => {
  assert.equal(restartFollows({ primary: other, config_epoch: 2 }, 3), null, "promoted at 3, record of 2");
  assert.deepEqual(restartFollows({ primary: other, config_epoch: 3 }, 3), other);
  assert.deepEqual(restartFollows({ primary: other, config_epoch: 4 }, 3), other);
  assert.equal(restartFollows(null, 0), null);
  const promoted = { ...base, last_role: "master" as const };
  const primary = restartFollows({ primary: other, config_epoch: 2 }, 3);
  assert.deepEqual(planRestart({ ...promoted, committed_primary: primary }), {
    action: "wait",
    until_ms: 31_000,
  });
});
