import { test } from "node:test";
import assert from "node:assert/strict";
import { heartbeatMsFor, minReplicasStep, newMinReplicasState } from "./min-replicas.js";
import type {
  MinReplicasConfig,
  MinReplicasEffect,
  MinReplicasInput,
  MinReplicasState,
} from "./min-replicas.js";

const CONFIG: MinReplicasConfig = { max_lag_ms: 100, min_replicas: 1, heartbeat_ms: heartbeatMsFor(100) };
const MASTER = { role: "master", fenced: false } as const;

class Rule {
  state: MinReplicasState = newMinReplicasState();
  constructor(readonly config: MinReplicasConfig = CONFIG) {}
  step(input: MinReplicasInput): readonly MinReplicasEffect[] {
    const out = minReplicasStep(this.config, this.state, input);
    this.state = out.state;
    return out.effects;
  }
  tick(now_ms: number, server: { role: "master" | "slave" | null; fenced: boolean } = MASTER) {
    return this.step({ type: "tick", now_ms, server });
  }
}

/** Runs ticks every 5 ms from `from` to `to`, answering each heartbeat with `acked` replicas. */
function run(rule: Rule, from: number, to: number, acked: number | null): MinReplicasEffect[] {
  const all: MinReplicasEffect[] = [];
  for (let now = from; now <= to; now += 5) {
    for (const e of rule.tick(now)) {
      all.push(e);
      if (e.type === "heartbeat" && acked !== null)
        rule.step({ type: "heartbeat_result", now_ms: now + 1, id: e.id, acked });
    }
  }
  return all;
}

void test("off (max_lag_ms 0): nothing, ever", () => {
  const rule = new Rule({ ...CONFIG, max_lag_ms: 0 });
  assert.deepEqual(run(rule, 0, 1000, null), []);
});

void test("heartbeats every quarter of the bound; acknowledged ones keep the primary writable", () => {
  const rule = new Rule();
  const effects = run(rule, 0, 1000, 1);
  assert.equal(effects.filter((e) => e.type === "fence").length, 0);
  const beats = effects.filter((e) => e.type === "heartbeat");
  assert.ok(beats.length >= 30 && beats.length <= 41, `${beats.length} heartbeats in 1 s at 25 ms`);
  assert.deepEqual(beats[0], { type: "heartbeat", id: 1, min_replicas: 1, timeout_ms: 100 });
});

void test("no acknowledgement for longer than the bound: one fence, then lifted once replicas are in sync", () => {
  const rule = new Rule();
  run(rule, 0, 500, 1);
  const cut = run(rule, 505, 800, 0); // WAIT answers 0 replicas from now on
  const fences = cut.filter((e) => e.type === "fence");
  assert.equal(fences.length, 1, "fenced once");
  // The last covered heartbeat started at 500 at the latest: fenced once more than 100 ms passed.
  assert.ok(fences[0]?.type === "fence" && fences[0].uncovered_ms > 100 && fences[0].uncovered_ms <= 130);
  assert.deepEqual(rule.step({ type: "fence_result", now_ms: 700, fenced: true, ok: true }), []);
  assert.deepEqual(rule.tick(710, { role: "master", fenced: true }), [], "fenced by us: no heartbeat");
  assert.deepEqual(rule.step({ type: "replicas_in_sync", now_ms: 720, count: 0 }), []);
  assert.deepEqual(rule.step({ type: "replicas_in_sync", now_ms: 730, count: 1 }), [{ type: "unfence" }]);
  rule.step({ type: "fence_result", now_ms: 731, fenced: false, ok: true });
  assert.deepEqual(
    run(rule, 735, 1500, 1).filter((e) => e.type === "fence"),
    [],
    "covered again",
  );
});

void test("an unanswered heartbeat covers nothing: fenced after the bound, and a failed fence is asked again", () => {
  const rule = new Rule();
  assert.equal(rule.tick(0)[0]?.type, "heartbeat"); // never answered
  assert.ok(!run(rule, 5, 100, null).some((e) => e.type === "fence"), "within the bound");
  const fence = rule.tick(105);
  assert.equal(fence[0]?.type, "fence");
  rule.step({ type: "fence_result", now_ms: 106, fenced: false, ok: false });
  assert.equal(rule.tick(110)[0]?.type, "fence", "asked again");
});

void test("never lifts a fence that is not its own; replicas and agents' fences reset it", () => {
  const rule = new Rule();
  run(rule, 0, 50, 1);
  assert.deepEqual(rule.tick(60, { role: "master", fenced: true }), [], "an agent's fence: not watched");
  assert.deepEqual(rule.step({ type: "replicas_in_sync", now_ms: 70, count: 2 }), []);
  assert.deepEqual(rule.tick(80, { role: "slave", fenced: false }), []);
  // Fenced by us, then an agent's command takes the fence over: in sync no longer lifts it.
  const own = new Rule();
  run(own, 0, 300, 0);
  own.step({ type: "fence_result", now_ms: 300, fenced: true, ok: true });
  own.step({ type: "agent_command", now_ms: 310 });
  assert.deepEqual(own.step({ type: "replicas_in_sync", now_ms: 320, count: 1 }), []);
});
