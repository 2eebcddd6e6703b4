// The vip-managers in the simulator (vip-model.ts: the vip-manager's own loop): the checkers must
// catch a manager whose duplicate address probe hears nothing (two hosts hold the VIP while a
// SIGKILLed manager's address lives on) and a desired-state rule that never lets go (the VIP never reaches the new primary).
// Each test stops at the first seed that catches it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { desiredVipState } from "@sentinel-plane/core/vip";
import type { VipDecision, VipStateInput } from "@sentinel-plane/core/vip";
import { buildWorld, runSeed } from "./run.js";
import type { RunOptions } from "./run.js";
import { VIP_RECONCILE_MS } from "./vip-model.js";

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

void test("the checkers catch a vip-manager whose duplicate address probe hears nothing", async () => {
  const caught = await firstViolation(() => ({ deaf_probe: true }));
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

/** The first log line at or after `from_ms` that matches, as [time, line]; null: none. */
function lineAfter(log: readonly string[], from_ms: number, pattern: RegExp): [number, string] | null {
  for (const line of log) {
    const at_ms = Number(line.trim().split(/\s+/)[0]);
    if (at_ms >= from_ms && pattern.test(line)) return [at_ms, line];
  }
  return null;
}

// The simulator runs the vip-manager's own loop, watch included (vip-model.ts once re-modelled the
// loop without it, and let go of the VIP only at its next periodic read, up to a reconcile later).
void test("a committed failover reaches the vip-managers through their KV watch: the VIP moves before the next periodic read", async () => {
  let moved = 0;
  for (let seed = 0; seed < 20; seed += 1) {
    const { world } = buildWorld({ seed, keep_log: true });
    world.start();
    await world.runUntil(3000);
    const agent = world.agents[0];
    assert.ok(agent !== undefined);
    world.admin(agent, { type: "failover", name: world.options.master_name });
    await world.runUntil(8000);
    // Some seeds refuse the failover (no replica fit to promote yet): nothing to move.
    const commit = lineAfter(world.log, 3000, /kv committed epoch [1-9]/);
    if (commit === null) continue;
    const released = lineAfter(world.log, commit[0], /v\d < VIP released \(primary_elsewhere\)/);
    const bound = lineAfter(world.log, commit[0], /v\d < VIP bound/);
    assert.ok(released !== null && bound !== null, `seed ${seed}: the VIP did not move`);
    // The watch delivers in 1-10 ms; the new holder probes (45 ms), once more if it heard the old one.
    const release_ms = released[0] - commit[0];
    const bind_ms = bound[0] - commit[0];
    assert.ok(release_ms <= 10, `seed ${seed}: released ${release_ms} ms after the commit`);
    assert.ok(bind_ms < VIP_RECONCILE_MS, `seed ${seed}: bound ${bind_ms} ms after the commit`);
    moved += 1;
  }
  assert.ok(moved >= 15, `the VIP moved in ${moved} of 20 seeds`);
});

void test("a SIGKILLed vip-manager leaves its address; the new loop that restarts finds it and keeps it", async () => {
  for (let seed = 0; seed < 10; seed += 1) {
    const { world } = buildWorld({ seed, keep_log: true });
    const vip = world.vip;
    assert.ok(vip !== null);
    world.start();
    await world.runUntil(3000);
    const holder = vip.holders()[0];
    assert.ok(holder !== undefined && vip.holders().length === 1, `seed ${seed}: one holder`);
    const index = vip.managers.indexOf(holder);
    vip.crash(index);
    await world.runUntil(3400);
    assert.deepEqual(vip.holders(), [holder], `seed ${seed}: the address outlives its manager`);
    vip.restart(index);
    await world.runUntil(6000);
    assert.deepEqual(vip.holders(), [holder], `seed ${seed}: kept`);
    const after = world.log.filter((l) => Number(l.trim().split(/\s+/)[0]) >= 3000 && / v\d < VIP/.test(l));
    assert.deepEqual(after, [], `seed ${seed}: neither bound again nor released`);
  }
});
