import assert from "node:assert/strict";
import { test } from "node:test";
import { shutdownPlan, switchoverDone } from "./shutdown-plan.js";
import type { ShutdownPlanInput } from "./shutdown-plan.js";

const self = { host: "10.0.0.1", port: 6380 };
const other = { host: "10.0.0.2", port: 6380 };
const primary: ShutdownPlanInput = {
  supervised: true,
  topology_followed: true,
  switchover_timeout_ms: 30_000,
  role: "master",
  committed_primary: self,
  self,
};

void test("the committed primary's supervising data-node switches over first", () => {
  assert.deepEqual(shutdownPlan(primary), { action: "switchover" });
  // Not read yet: a master with no committed record asks too (the agents check the address).
  assert.deepEqual(shutdownPlan({ ...primary, committed_primary: null }), { action: "switchover" });
});

void test("everything else just stops, and says why", () => {
  for (const input of [
    { ...primary, role: "slave" as const },
    { ...primary, role: null },
    { ...primary, supervised: false },
    { ...primary, topology_followed: false },
    { ...primary, switchover_timeout_ms: 0 },
    { ...primary, committed_primary: other },
  ]) {
    const plan = shutdownPlan(input);
    if (plan.action !== "stop") assert.fail(`expected a plain stop for ${JSON.stringify(input)}`);
    assert.ok(plan.reason.length > 0);
  }
});

void test("done once another primary is committed or the server is demoted", () => {
  assert.equal(switchoverDone({ committed_primary: self, self, role: "master" }), false);
  assert.equal(switchoverDone({ committed_primary: null, self, role: "master" }), false);
  assert.equal(switchoverDone({ committed_primary: other, self, role: "master" }), true);
  assert.equal(switchoverDone({ committed_primary: self, self, role: "slave" }), true);
});
