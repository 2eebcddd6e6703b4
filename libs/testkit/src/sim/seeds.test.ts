// The VOPR run: many seeds through faults then healing, with every checker on. Also proves the
// checkers can fail: a core that grants two votes per epoch must be caught.
import { test } from "node:test";
import assert from "node:assert/strict";
import { step } from "@sentinel-plane/core";
import type { AgentState, Input, Random, StepOutput } from "@sentinel-plane/core";
import { runSeed } from "./run.js";

// 300 seeds take about 10 s since the data-nodes run their rules (`npm run sim -- --seeds N` for more).
const SEEDS = Number(process.env.SP_SIM_SEEDS ?? 300);

// Data-node crashes are left out here: a dead data-node cannot fence its server, so a primary cut
// off meanwhile stays writable past its lease (an open gap; `npm run sim` runs them and reports it).
void test(`${SEEDS} seeds: safety under faults, liveness after healing`, async () => {
  const started = performance.now();
  const failures: string[] = [];
  let elections = 0;
  let switchovers = 0;
  let hooks_run = 0;
  let hooks_failed = 0;
  for (let seed = 0; seed < SEEDS; seed += 1) {
    const result = await runSeed({ seed, data_node_crashes: false });
    elections += result.elections;
    switchovers += result.switchovers;
    hooks_run += result.hooks_run;
    hooks_failed += result.hooks_failed;
    if (result.violation !== null) failures.push(result.violation.message);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${SEEDS} seeds in ${seconds.toFixed(1)} s (${(SEEDS / seconds).toFixed(0)} seeds/s), ` +
      `${elections} elections, ${switchovers} switchovers checked for lost writes, ` +
      `${hooks_run} pre-promote hooks (${hooks_failed} failed)`,
  );
  assert.deepEqual(failures, []);
  assert.ok(elections > SEEDS / 10, `the schedules must exercise failovers (got ${elections} elections)`);
  assert.ok(switchovers > SEEDS / 10, `the schedules must exercise switchovers (got ${switchovers})`);
  assert.ok(hooks_run > SEEDS / 10, `the schedules must exercise pre-promote hooks (got ${hooks_run})`);
  assert.ok(hooks_failed > SEEDS / 100, `and some of them must fail (got ${hooks_failed})`);
});

/** A broken core: takes every failed pre-promote result for a success. */
function stepIgnoringHookFailure(state: AgentState, input: Input, random: Random): StepOutput {
  if (input.type === "pre_promote_result" && !input.ok) return step(state, { ...input, ok: true }, random);
  return step(state, input, random);
}

/** A broken core: forgets the configured hook, so it promotes without running it. */
function stepSkippingHook(state: AgentState, input: Input, random: Random): StepOutput {
  for (const master of state.masters.values()) master.pre_promote = null;
  return step(state, input, random);
}

for (const [what, broken] of [
  ["promotes after a failed pre-promote hook", stepIgnoringHookFailure],
  ["promotes without running the pre-promote hook", stepSkippingHook],
] as const) {
  void test(`the checkers catch a core that ${what}`, async () => {
    const caught: string[] = [];
    for (let seed = 0; seed < 400 && caught.length === 0; seed += 1) {
      const result = await runSeed({ seed, step: broken, data_node_crashes: false });
      if (result.violation !== null) caught.push(result.violation.message);
    }
    assert.equal(caught.length, 1, `no seed caught a core that ${what}`);
    assert.match(caught[0] ?? "", /promoted \S+ at epoch \d+ without a successful pre-promote hook/);
  });
}

/** A broken core: forgets its vote before every vote request, so it grants one per candidate. */
function stepVotingTwice(state: AgentState, input: Input, random: Random): StepOutput {
  if (input.type === "peer_message" && input.message.type === "vote_request") {
    for (const master of state.masters.values()) master.leader_epoch = 0;
  }
  return step(state, input, random);
}

void test("the checkers catch a core that grants two votes per epoch", async () => {
  const caught: string[] = [];
  for (let seed = 0; seed < 400 && caught.length === 0; seed += 1) {
    const result = await runSeed({ seed, step: stepVotingTwice, data_node_crashes: false });
    if (result.violation !== null) caught.push(result.violation.message);
  }
  assert.equal(caught.length, 1, "no seed caught the double vote");
  assert.match(caught[0] ?? "", /two leaders elected in epoch|two promotions|both accept writes|two commits/);
  assert.match(caught[0] ?? "", /npm run sim -- --seed \d+/);
});

/** A broken core: believes every fence reply says offset 0, so it promotes before the catch-up. */
function stepSkippingCatchup(state: AgentState, input: Input, random: Random): StepOutput {
  if (input.type === "command_result" && input.result.ok) {
    const pending = state.commands.get(input.command_id);
    if (pending?.command.type === "fence")
      return step(state, { ...input, result: { ...input.result, offset: 0 } }, random);
  }
  return step(state, input, random);
}

void test("the checkers catch a switchover that promotes before the replica caught up", async () => {
  const caught: string[] = [];
  for (let seed = 0; seed < 400 && caught.length === 0; seed += 1) {
    const result = await runSeed({ seed, step: stepSkippingCatchup, data_node_crashes: false });
    if (result.violation !== null) caught.push(result.violation.message);
  }
  assert.equal(caught.length, 1, "no seed caught the early promotion");
  assert.match(caught[0] ?? "", /switchover at epoch \d+ lost acknowledged writes/);
});

void test("a seed replays exactly: same seed, byte-identical event log", async () => {
  for (const seed of [7, 12345, 0xfffffff0]) {
    const a = await runSeed({ seed, keep_log: true });
    const b = await runSeed({ seed, keep_log: true });
    assert.ok(a.log.length > 10);
    assert.equal(a.log.join("\n"), b.log.join("\n"));
    assert.equal(a.steps, b.steps);
  }
  const c = await runSeed({ seed: 8, keep_log: true });
  assert.notEqual(c.log.join("\n"), (await runSeed({ seed: 7, keep_log: true })).log.join("\n"));
});
