// Failsafe in the simulator (issue 15): every bus (NATS) fault shape forced on every seed, with the
// checkers on; the direct lease requests (core data-node lease-channel.ts) spare refused writes
// when the bus is down for everyone; and an agent that grants a lease it cannot keep is caught.
import { test } from "node:test";
import assert from "node:assert/strict";
import { step } from "@sentinel-plane/core";
import type { AgentState, Input, Random, StepOutput } from "@sentinel-plane/core";
import { BUS_FAULTS, runSeed } from "./run.js";
import type { BusFault } from "./run.js";

const SEEDS = Number(process.env.SP_SIM_FAILSAFE_SEEDS ?? 60);

async function runShape(
  shape: BusFault,
  failsafe: boolean,
): Promise<{ failures: string[]; refused: number }> {
  const failures: string[] = [];
  let refused = 0;
  for (let seed = 0; seed < SEEDS; seed += 1) {
    const result = await runSeed({ seed, data_node_crashes: false, bus_fault: shape, failsafe });
    refused += result.writes_refused;
    if (result.violation !== null) failures.push(result.violation.message);
  }
  return { failures, refused };
}

for (const shape of BUS_FAULTS) {
  void test(`${SEEDS} seeds with the bus down (${shape}): safety under faults, liveness after healing`, async () => {
    assert.deepEqual((await runShape(shape, true)).failures, []);
  });
}

void test("bus down for everyone: the failsafe refuses fewer writes than fencing on the lease", async () => {
  const on = await runShape("everyone", true);
  const off = await runShape("everyone", false);
  assert.deepEqual(off.failures, []);
  assert.ok(on.refused < off.refused, `refused with failsafe ${on.refused}, without ${off.refused}`);
});

/**
 * A broken core: answers lease requests as if it had voted for no newer failover (a promise it
 * cannot keep: the leader it voted for does not wait for this grant).
 */
function stepGrantingDespiteVote(state: AgentState, input: Input, random: Random): StepOutput {
  if (input.type !== "lease_request") return step(state, input, random);
  const saved = [...state.masters.values()].map((m) => [m, m.leader_epoch] as const);
  for (const master of state.masters.values()) master.leader_epoch = master.config_epoch;
  const output = step(state, input, random);
  for (const [master, leader_epoch] of saved) master.leader_epoch = leader_epoch;
  return output;
}

void test("the checkers catch an agent that grants a lease after voting for a newer failover", async () => {
  // Rare: about one seed in 500 has a primary still asking an agent for its lease after that agent
  // voted for its successor (seeds 283 and 291 were the first until the simulated data-nodes ran
  // the data-node's own probes, which report a significant change at once, and moved the draws;
  // the search over 400 seeds then found none, so the seeds are named). Each is safe with the real
  // core, so the violation is the broken grant's.
  const seeds = [{ seed: 1389 }, { seed: 482, bus_fault: "one-data-node" }] as const satisfies readonly {
    seed: number;
    bus_fault?: BusFault;
  }[];
  for (const options of seeds) {
    const broken = await runSeed({ ...options, step: stepGrantingDespiteVote, data_node_crashes: false });
    assert.match(
      broken.violation?.message ?? "",
      /both accept writes|after .*promot/,
      `seed ${options.seed}`,
    );
    const real = await runSeed({ ...options, data_node_crashes: false });
    assert.equal(real.violation, null, real.violation?.message);
  }
});
