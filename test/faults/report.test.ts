// judge() holds each shape to its expectation: the same split-brain verdict fails a "safe"
// shape, passes a "known-unsafe" one that converged, and an unconverged one passes only
// "known-unconverged"; two VIP holders fail a "safe" shape but not a "known-vip-split" one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Verdict } from "./checker.js";
import { DEFAULT_SETTINGS } from "./harness.js";
import { documentedLossWindow, judge } from "./report.js";
import type { Expectation } from "./shapes.js";
import { shapeNamed } from "./shapes.js";

const split: Verdict = {
  losses: [{ writer: "client", acked: 100, lost: 10, window: { from_ms: 50, to_ms: 900 } }],
  acks_after_promotion: 3,
  acks_after_promotion_by_writer: { client: 3 },
  double_writable: [{ from_ms: 1000, to_ms: 1040, nodes: ["h1", "h2"] }],
  double_writable_ms: 40,
  single_writable_after_ms: 1200,
  final_primary: "h2",
  no_writable_ms: 0,
  convergence: [],
  vip: null,
};

function judged(expect: Expectation, v: Verdict): string[] {
  return judge({ ...shapeNamed("partition-peers-cut"), expect }, v, DEFAULT_SETTINGS);
}

void describe("judge", () => {
  void it("holds a safe shape to every invariant", () => {
    assert.equal(judged("safe", split).length, 2);
  });
  void it("holds a safe shape to the documented loss window (down-after / 2 + lease after the fault)", () => {
    const safe: Verdict = { ...split, acks_after_promotion: 0, double_writable: [], double_writable_ms: 0 };
    assert.deepEqual(documentedLossWindow(DEFAULT_SETTINGS), { from_ms: -100, to_ms: 900 });
    assert.deepEqual(judged("safe", safe), []);
    const late = { writer: "client", acked: 100, lost: 10, window: { from_ms: 50, to_ms: 901 } };
    assert.equal(judged("safe", { ...safe, losses: [late] }).length, 1);
    const early = { writer: "client", acked: 100, lost: 10, window: { from_ms: -101, to_ms: 0 } };
    assert.equal(judged("safe", { ...safe, losses: [early] }).length, 1);
  });
  void it("holds a known-unsafe shape to liveness only", () => {
    assert.deepEqual(judged("known-unsafe", split), []);
    assert.equal(judged("known-unsafe", { ...split, convergence: ["h1: master of -, link down"] }).length, 1);
  });
  void it("holds a known-unconverged shape to a single writable primary at the end", () => {
    assert.deepEqual(
      judged("known-unconverged", { ...split, convergence: ["h1: master of -, link down"] }),
      [],
    );
    assert.equal(judged("known-unconverged", { ...split, final_primary: null }).length, 1);
  });
  void it("holds a known-vip-split shape to every invariant but the VIP's single holder", () => {
    const vip = {
      two_holders: [{ from_ms: 1000, to_ms: 3000, nodes: ["h1", "h2"] }],
      two_holders_ms: 2000,
      on_primary_after_ms: 1000,
      alone_on_primary_after_ms: 3000,
      holders_at_end: ["h2"],
    };
    const data_safe: Verdict = {
      ...split,
      acks_after_promotion: 0,
      double_writable: [],
      double_writable_ms: 0,
      vip,
    };
    assert.deepEqual(judged("known-vip-split", data_safe), []);
    assert.deepEqual(judged("safe", data_safe), ["1 intervals (2000 ms) with two hosts holding the VIP"]);
    assert.equal(judged("known-vip-split", { ...split, vip }).length, 2);
    const stuck = { ...vip, alone_on_primary_after_ms: null, holders_at_end: ["h1", "h2"] };
    assert.equal(judged("known-vip-split", { ...data_safe, vip: stuck }).length, 1);
  });
});
