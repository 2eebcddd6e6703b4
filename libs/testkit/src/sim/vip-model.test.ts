// The vip-managers in the simulator (vip-model.ts): the checkers must catch a manager that binds
// without its duplicate address probe (two hosts hold the VIP while a SIGKILLed manager's address
// lives on) and a desired-state rule that never lets go (the VIP never reaches the new primary).
// Each test stops at the first seed that catches it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredVipState } from "@sentinel-plane/core/vip";
import type { VipDecision, VipStateInput } from "@sentinel-plane/core/vip";
import { runSeed } from "./run.js";
import type { RunOptions } from "./run.js";

const SEEDS_MAX = 200;

type VipOptions = NonNullable<Exclude<RunOptions["vip"], "off">>;

/** `vip` is called once per seed (a rule may keep state of its own). */
async function firstViolation(vip: () => VipOptions): Promise<string | null> {
  for (let seed = 0; seed < SEEDS_MAX; seed += 1) {
    const result = await runSeed({ seed, vip: vip() });
    if (result.violation !== null) return result.violation.message;
  }
  return null;
}

void test("the checkers catch a vip-manager that binds without probing for the address first", async () => {
  const caught = await firstViolation(() => ({ bind_guard: false }));
  assert.ok(caught !== null, `no seed of ${SEEDS_MAX} caught it`);
  assert.match(caught, /two hosts hold the VIP/);
  assert.match(caught, /npm run sim -- --seed \d+ --verbose/);
});

/** A broken rule: once a host should hold the VIP, it keeps it whatever the control plane says. */
function neverLetsGo(): (input: VipStateInput) => VipDecision {
  const held = new Set<string>();
  return (input) => {
    const decision = desiredVipState(input);
    const host = input.this_host_addresses.map((a) => a.host).join(",");
    if (decision.state === "hold") held.add(host);
    return held.has(host) ? { state: "hold", reason: "primary_on_this_host" } : decision;
  };
}

void test("the checkers catch a desired-state rule that never releases the VIP", async () => {
  const caught = await firstViolation(() => ({ rule: neverLetsGo() }));
  assert.ok(caught !== null, `no seed of ${SEEDS_MAX} caught it`);
  assert.match(caught, /VIP (on|held by) /);
});

void test("with the production rules the VIP moves with the primary, also past killed vip-managers", async () => {
  let moved = 0;
  let killed = 0;
  for (let seed = 0; seed < 40; seed += 1) {
    const result = await runSeed({ seed, keep_log: true });
    assert.equal(result.violation, null, result.violation?.message);
    const bound = new Set(
      result.log.filter((l) => /< VIP bound/.test(l)).map((l) => l.trim().split(/\s+/)[1]),
    );
    if (bound.size > 1) moved += 1;
    if (result.log.some((l) => /vip-manager killed/.test(l))) killed += 1;
  }
  assert.ok(moved > 0 && killed > 0, `moved in ${moved} seeds, managers killed in ${killed}`);
});
