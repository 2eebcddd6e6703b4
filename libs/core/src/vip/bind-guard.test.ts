import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BindGuardInput, BindGuardState, VipProbeResult } from "./bind-guard.js";
import { BIND_GUARD_INITIAL, bindGuardStep, oldHolderGoneWithin_ms } from "./bind-guard.js";

const SETTINGS = { wait_max_ms: 5_000, retry_min_ms: 50, retry_max_ms: 250 };

function probed(result: VipProbeResult, started_ms: number, now_ms = started_ms + 100): BindGuardInput {
  return { kind: "probed", result, started_ms, now_ms };
}

/** Runs the inputs from the initial state; returns every step's effects and the last state. */
function run(inputs: readonly BindGuardInput[]): { state: BindGuardState; effects: string[][] } {
  let state = BIND_GUARD_INITIAL;
  const effects: string[][] = [];
  for (const input of inputs) {
    const out = bindGuardStep(state, input, SETTINGS);
    state = out.state;
    effects.push(
      out.effects.map((e) =>
        e.kind === "bind"
          ? "bind"
          : e.kind === "wait"
            ? `wait:${e.result}:${e.waited_ms}:${e.retry_after_ms}`
            : `${e.kind}:${e.result}:${e.waited_ms}`,
      ),
    );
  }
  return { state, effects };
}

void describe("bindGuardStep", () => {
  void it("binds at once when nobody answers (the fast path)", () => {
    const { state, effects } = run([probed("silent", 1_000)]);
    assert.deepEqual(effects, [["bind"]]);
    assert.deepEqual(state, BIND_GUARD_INITIAL);
  });

  void it("does not bind while another host answers; binds on the first silent probe", () => {
    const { state, effects } = run([
      probed("answered", 1_000, 1_010),
      probed("answered", 1_250, 1_260),
      probed("silent", 1_500, 1_600),
    ]);
    assert.deepEqual(effects, [["wait:answered:10:50"], ["wait:answered:260:100"], ["bind"]]);
    assert.deepEqual(state, BIND_GUARD_INITIAL);
  });

  void it("an inconclusive probe (none went out) never binds", () => {
    const { effects } = run([probed("inconclusive", 1_000, 1_100), probed("silent", 1_250)]);
    assert.deepEqual(effects, [["wait:inconclusive:100:50"], ["bind"]]);
  });

  void it("past wait_max_ms reports the conflict once and still refuses to bind", () => {
    const { state, effects } = run([
      probed("answered", 1_000, 1_010),
      probed("answered", 6_000, 6_000), // exactly wait_max: still an ordinary wait
      probed("answered", 6_001, 6_001),
      probed("answered", 6_250, 6_260),
    ]);
    assert.deepEqual(effects, [
      ["wait:answered:10:50"],
      ["wait:answered:5000:100"],
      ["report_conflict:answered:5001", "wait:answered:5001:200"],
      ["wait:answered:5260:250"],
    ]);
    assert.deepEqual(state, { waiting_since_ms: 1_000, conflict_reported: true, waits: 4 });
    // The address frees up: bound then, and a later wait is a new one (reported anew).
    const freed = bindGuardStep(state, probed("silent", 7_000), SETTINGS);
    assert.deepEqual(freed.effects, [{ kind: "bind" }]);
    assert.deepEqual(freed.state, BIND_GUARD_INITIAL);
  });

  void it("retries back off from retry_min_ms to retry_max_ms (the reconcile interval)", () => {
    const { effects } = run([1_000, 1_050, 1_150, 1_350, 1_600, 1_850].map((t) => probed("answered", t, t)));
    assert.deepEqual(
      effects.map((e) => e[0]?.split(":").at(-1)),
      ["50", "100", "200", "250", "250", "250"],
    );
  });

  void it("a release or an address found bound here ends the wait", () => {
    for (const kind of ["released", "bound_here"] as const) {
      const { state } = run([probed("answered", 1_000), { kind }]);
      assert.deepEqual(state, BIND_GUARD_INITIAL, kind);
      const { effects } = run([probed("answered", 1_000), { kind }, probed("answered", 9_000, 9_001)]);
      assert.deepEqual(effects.at(-1), ["wait:answered:1:50"], `${kind}: the wait starts again`);
    }
  });

  void it("refuses mixed clocks and a non-positive bound", () => {
    assert.throws(() => bindGuardStep(BIND_GUARD_INITIAL, probed("silent", 1_000, 999), SETTINGS));
    const waiting = { waiting_since_ms: 2_000, conflict_reported: false, waits: 1 };
    assert.throws(() => bindGuardStep(waiting, probed("answered", 1_000), SETTINGS));
    assert.throws(() =>
      bindGuardStep(BIND_GUARD_INITIAL, { kind: "released" }, { ...SETTINGS, wait_max_ms: 0 }),
    );
    assert.throws(() =>
      bindGuardStep(BIND_GUARD_INITIAL, { kind: "released" }, { ...SETTINGS, retry_max_ms: 10 }),
    );
  });
});

void describe("oldHolderGoneWithin_ms", () => {
  void it("is the lease, one tick, the address lifetime and the kernel's check", () => {
    assert.equal(
      oldHolderGoneWithin_ms({ lease_ms: 2_000, reconcile_interval_ms: 250, lifetime_s: 2 }),
      5_250,
    );
    assert.equal(
      oldHolderGoneWithin_ms({ lease_ms: 3_000, reconcile_interval_ms: 500, lifetime_s: 3 }),
      7_500,
    );
  });

  void it("refuses non-positive timings", () => {
    assert.throws(() => oldHolderGoneWithin_ms({ lease_ms: 0, reconcile_interval_ms: 250, lifetime_s: 2 }));
  });
});
