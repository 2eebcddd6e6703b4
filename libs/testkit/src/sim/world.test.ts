// The simulator's agents run the agent's own loop (libs/agent-shell AgentLoop) over the world's
// in-memory ports: a crash cuts a step's effects (persist before send holds through the cut), and
// a wake superseded by an earlier one never fires (the loop cancels its timer). The data-nodes run
// the data-node's own command path (data-node-shell DataNodeCommands) over the world's ports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { persistedState, step } from "@sentinel-plane/core";
import type {
  AgentState,
  Effect,
  Input,
  NodeCommandResult,
  PersistedState,
  Random,
  StepOutput,
} from "@sentinel-plane/core";
import { buildWorld } from "./run.js";
import type { World } from "./world.js";

const mark = (n: number): Effect => ({
  type: "event",
  event: { name: `+mark-${n}`, level: "warning", master_name: null, text: "test", epoch: 0 },
});

/** A world without faults (none scheduled) whose agents step through `stepped`. */
async function quietWorld(
  seed: number,
  stepped: (state: AgentState, input: Input, random: Random) => StepOutput,
): Promise<World> {
  const { world } = buildWorld({ seed, keep_log: true, step: stepped, vip: "off" });
  world.start();
  await world.runUntil(2000);
  return world;
}

void test("a crash cuts a step's effects: those before the cut are carried out in order, then the agent dies", async () => {
  const cuts = new Set<number>();
  for (let seed = 0; seed < 30; seed += 1) {
    let target: string | null = null;
    let saved: PersistedState | null = null;
    const stepped = (state: AgentState, input: Input, random: Random): StepOutput => {
      const output = step(state, input, random);
      if (state.myid !== target) return output;
      target = null;
      // A persist between the marks: the loop awaits it before carrying out the rest.
      saved = persistedState(output.state);
      const effects = [mark(1), { type: "persist", state: saved } as const, mark(2), mark(3)];
      return { state: output.state, effects };
    };
    const world = await quietWorld(seed, stepped);
    const agent = world.agentByName("a1");
    const from = world.log.length;
    target = agent.id;
    agent.crash_pending = true;
    await world.runUntil(3000);
    assert.equal(target, null, `seed ${seed}: a1 stepped`);
    assert.equal(agent.state, null, `seed ${seed}: a1 is down`);
    const lines = world.log
      .slice(from)
      .filter((l) => / a1 /.test(l))
      .map((l) => l.trim().split(/\s+/).slice(1).join(" "));
    const crashed = lines.indexOf("a1 ! crashed");
    assert.ok(crashed >= 0, `seed ${seed}: ${lines.join(" | ")}`);
    const marks = lines.slice(0, crashed);
    const expected = ["a1 # +mark-1 test", "a1 # +mark-2 test", "a1 # +mark-3 test"].slice(0, marks.length);
    assert.deepEqual(marks, expected, `seed ${seed}: the effects before the cut, in order`);
    assert.deepEqual(lines.slice(crashed + 1), [], `seed ${seed}: nothing after the crash`);
    // Persist before send: a mark after the persist went out only with the state saved.
    const persisted = agent.persisted === saved;
    if (marks.length >= 2) assert.ok(persisted, `seed ${seed}: mark 2 went out, the state was not saved`);
    if (marks.length === 0) assert.ok(!persisted, `seed ${seed}: saved after a cut before mark 1`);
    cuts.add(marks.length + (persisted && marks.length === 1 ? 1 : 0));
  }
  assert.ok(cuts.size >= 3, `the seeds cut at ${[...cuts].join(", ")} only`);
});

void test("a wake superseded by an earlier one never fires: the loop keeps one timer", async () => {
  let checked = 0;
  for (let seed = 0; seed < 10; seed += 1) {
    let a1: string | null = null;
    /** 0: the core's own wakes are dropped; 1: the next step asks for 333 ms; 2: the next for 50 ms. */
    let phase = 0;
    const asked = { first_ms: 0, second_ms: 0 };
    const ticks: number[] = [];
    const stepped = (state: AgentState, input: Input, random: Random): StepOutput => {
      const output = step(state, input, random);
      if (state.myid !== a1) return output;
      if (input.type === "tick") ticks.push(input.now_ms);
      const effects: Effect[] = output.effects.filter((e) => e.type !== "wake");
      if (phase === 1) {
        phase = 2;
        asked.first_ms = input.now_ms + 333;
        effects.push({ type: "wake", after_ms: 333 });
      } else if (phase === 2) {
        phase = 3;
        asked.second_ms = input.now_ms + 50;
        effects.push({ type: "wake", after_ms: 50 });
      }
      return { state: output.state, effects };
    };
    const { world } = buildWorld({ seed, keep_log: false, step: stepped, vip: "off" });
    a1 = world.agentByName("a1").id;
    world.start();
    await world.runUntil(2000);
    // Every tick so far came from the periodic tick (100 ms apart): its phase.
    const periodic = ticks.at(-1);
    assert.ok(periodic !== undefined);
    phase = 1;
    await world.runUntil(3000);
    assert.equal(phase, 3, `seed ${seed}: both wakes asked`);
    if (asked.second_ms >= asked.first_ms || (asked.first_ms - periodic) % 100 === 0) continue;
    checked += 1;
    assert.ok(ticks.includes(asked.second_ms), `seed ${seed}: the earlier wake fired`);
    assert.ok(!ticks.includes(asked.first_ms), `seed ${seed}: the superseded wake fired`);
  }
  assert.ok(checked >= 5, `only ${checked} seeds had a superseded wake`);
});

void test("a command to a hung server's data-node: its epoch persisted first, then refused when the probe times out (node.ts)", async () => {
  const { world } = buildWorld({ seed: 5, keep_log: true, vip: "off" });
  world.start();
  await world.runUntil(2000);
  const agent = world.agentByName("a1");
  const replica = world.nodes[1];
  assert.ok(replica !== undefined && replica.role === "slave" && !replica.fenced);
  const epoch = replica.epoch + 1;
  const primary = world.primaryAddress;
  world.hangNode(replica);
  const sent_ms = world.now_ms;
  const replies: NodeCommandResult[] = [];
  void world
    .nodeCommand(agent, agent.incarnation, replica.address, epoch, { type: "replicaof", ...primary }, 5000)
    .then((reply) => replies.push(reply));
  await world.runUntil(sent_ms + 100);
  assert.equal(replica.epoch, epoch, "accepted and persisted before the probe answers");
  assert.equal(replies.length, 0, "the data-node's fresh probe still waits for the hung server");
  await world.runUntil(sent_ms + 1000);
  const reply = replies[0];
  assert.ok(reply !== undefined && !reply.ok, "refused");
  assert.equal(reply.code, "SP_ERR_REDIS_UNAVAILABLE");
  assert.equal(world.dataNodeOf(replica).waiting.length, 0, "nothing sent to the server");
});
