// The checkers on synthetic runs: each one fires on the run that breaks its invariant and stays
// quiet on the one that keeps it (times are plain numbers; no clock, no process).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FinalState } from "./checker.js";
import {
  acksAfterPromotion,
  convergenceProblems,
  dataSafetyViolations,
  doubleWritable,
  lossesOutside,
  lostWrites,
  noWritable_ms,
  promotions,
  safetyViolations,
  singleWritableAfter_ms,
  verdict,
  liveViolations,
  vipOnAfter_ms,
  vipTimeline,
  vipVerdict,
} from "./checker.js";
import type { AckLine, SampleLine, VipLine } from "./lines.js";

type State = "w" | "f" | "s" | "x" | "t"; // writable master, fenced master, replica, refused, timeout

/** Samples of one node every 10 ms from t=0, one state letter per sample. */
function node(name: string, states: string): SampleLine[] {
  return Array.from({ length: states.length }, (_, i) => {
    const state = states.charAt(i) as State;
    return {
      type: "sample",
      node: name,
      t_ms: i * 10,
      role: state === "x" || state === "t" ? null : state === "s" ? "slave" : "master",
      fenced: state === "x" || state === "t" ? null : state === "f",
      offset: 0,
      error: state === "x" ? "ECONNREFUSED" : state === "t" ? "timeout" : null,
    };
  });
}

/** VIP samples of one host every 10 ms from `offset_ms`: "h" held, "-" not. */
function vipOf(name: string, states: string, offset_ms = 0): VipLine[] {
  return Array.from({ length: states.length }, (_, i) => ({
    type: "vip",
    node: name,
    t_ms: offset_ms + i * 10,
    held: states.charAt(i) === "h",
  }));
}

function ack(node_name: string, sent_ms: number, key = `${node_name}:${sent_ms}`, writer = "w"): AckLine {
  return { type: "ack", writer, node: node_name, key, sent_ms, t_ms: sent_ms + 1 };
}

// A clean failover: h1 writable, dies at 30 ms (no answer), h2 promoted at 60 ms.
const clean = [...node("h1", "wwwxxxxxxx"), ...node("h2", "ssssssswww")];
// A split brain: h1 stays writable while h2 is promoted at 50 ms; h1 fenced at 80 ms.
const split = [...node("h1", "wwwwwwwwff"), ...node("h2", "ssssswwwww")];

const converged: FinalState = {
  agents: { h1: "10.0.0.12", h2: "10.0.0.12" },
  data_nodes: { h1: true, h2: true },
  redis: {
    h1: { role: "slave", fenced: false, master_host: "10.0.0.12", link_up: true },
    h2: { role: "master", fenced: false, master_host: null, link_up: false },
  },
  addresses: { h1: "10.0.0.11", h2: "10.0.0.12" },
  vip_holders: null,
};

void describe("doubleWritable", () => {
  void it("is empty for a clean failover", () => {
    assert.deepEqual(doubleWritable(clean, 100), []);
  });
  void it("finds the interval in which both nodes took writes", () => {
    assert.deepEqual(doubleWritable(split, 100), [{ from_ms: 50, to_ms: 80, nodes: ["h1", "h2"] }]);
  });
});

void describe("singleWritableAfter_ms and noWritable_ms", () => {
  void it("measure the outage of a clean failover from the fault", () => {
    assert.deepEqual(singleWritableAfter_ms(clean, 25, 100), { after_ms: 45, node: "h2" });
    assert.equal(noWritable_ms(clean, 25, 100), 40);
  });
  void it("is null when the run ends without exactly one writable node", () => {
    assert.equal(singleWritableAfter_ms([...node("h1", "wwww"), ...node("h2", "ssww")], 0, 50), null);
    assert.equal(singleWritableAfter_ms([...node("h1", "wwxx"), ...node("h2", "ssss")], 0, 50), null);
  });
  void it("is 0 when the same primary stayed writable", () => {
    assert.deepEqual(singleWritableAfter_ms(node("h1", "wwww"), 10, 50), { after_ms: 0, node: "h1" });
  });
});

void describe("acksAfterPromotion", () => {
  void it("fires for a write sent to the old primary after the new one became writable", () => {
    const acks = [ack("h1", 20), ack("h1", 55), ack("h2", 70)];
    assert.deepEqual(
      acksAfterPromotion(acks, split).map((a) => a.key),
      ["h1:55"],
    );
  });
  void it("does not fire for writes sent before the promotion, nor for the new primary's", () => {
    const acks = [ack("h1", 20), ack("h1", 45), ack("h2", 60), ack("h2", 90)];
    assert.deepEqual(acksAfterPromotion(acks, clean), []);
  });
  void it("does not take an old primary that comes back (resumed, unfenced) for a promotion", () => {
    // h1 stopped from 30 ms (timeouts), h2 promoted at 40 ms, h1 resumes writable at 70 ms and is
    // fenced at 80 ms: h1's write sent at 45 ms counts; h2's own writes after 70 ms do not.
    const resumed = [...node("h1", "wwwttttwff"), ...node("h2", "sssswwwwww")];
    const acks = [ack("h1", 45), ack("h2", 50), ack("h2", 75), ack("h2", 90)];
    assert.deepEqual(
      acksAfterPromotion(acks, resumed).map((a) => a.key),
      ["h1:45"],
    );
  });
  void it("counts a replica promoted again as a promotion, and a first writable sample as one", () => {
    const again = [...node("h1", "fwwxxsssww"), ...node("h2", "ssssswwfff")];
    assert.deepEqual(promotions(again), [
      { node: "h1", t_ms: 10 },
      { node: "h2", t_ms: 50 },
      { node: "h1", t_ms: 80 },
    ]);
    assert.deepEqual(
      acksAfterPromotion([ack("h2", 85), ack("h1", 85)], again).map((a) => a.key),
      ["h2:85"],
    );
  });
  void it("does not take a just-promoted node whose samples lag for an old primary", () => {
    assert.deepEqual(acksAfterPromotion([ack("h3", 70)], split), []);
  });
});

void describe("lostWrites", () => {
  void it("counts acknowledged keys absent from the final primary, with their window after the fault", () => {
    const acks = [ack("h1", 10, "a"), ack("h1", 20, "b"), ack("h1", 30, "c"), ack("h2", 70, "d", "v")];
    const losses = lostWrites(acks, new Set(["a", "d"]), 15);
    assert.deepEqual(losses, [
      { writer: "v", acked: 1, lost: 0, window: null },
      { writer: "w", acked: 3, lost: 2, window: { from_ms: 6, to_ms: 16 } },
    ]);
  });
  void it("names the writers whose lost writes were acknowledged outside a window, on either side", () => {
    const losses = [
      { writer: "v", acked: 1, lost: 0, window: null },
      { writer: "w", acked: 3, lost: 2, window: { from_ms: 6, to_ms: 16 } },
    ];
    assert.deepEqual(lossesOutside(losses, { from_ms: 0, to_ms: 16 }), []);
    assert.match(
      lossesOutside(losses, { from_ms: 0, to_ms: 15 }).join(),
      /^w: 2 lost writes acknowledged 6\.\.16 ms/,
    );
    assert.equal(lossesOutside(losses, { from_ms: 7, to_ms: 100 }).length, 1);
  });
});

void describe("convergenceProblems", () => {
  void it("is empty when every agent names the primary and every replica follows it", () => {
    assert.deepEqual(convergenceProblems(converged), []);
  });
  void it("reports a disagreeing agent, a stopped data-node, a fenced primary and a detached replica", () => {
    const broken: FinalState = {
      ...converged,
      agents: { h1: "10.0.0.11", h2: "10.0.0.12" },
      data_nodes: { h1: false, h2: true },
    };
    const problems = convergenceProblems(broken);
    assert.ok(
      problems.some((p) => p.startsWith("agents disagree")),
      problems.join("; "),
    );
    assert.ok(problems.includes("h1: data-node not running"), problems.join("; "));
    const fenced: FinalState = {
      ...converged,
      redis: {
        h1: { role: "slave", fenced: false, master_host: "10.0.0.12", link_up: false },
        h2: { role: "master", fenced: true, master_host: null, link_up: false },
      },
    };
    assert.deepEqual(convergenceProblems(fenced), [
      "h1: slave of 10.0.0.12, link down",
      "h2: primary is master, fenced true",
    ]);
  });
});

void describe("verdict and the expectations", () => {
  const base = {
    acks: [ack("h1", 20, "a")],
    present: new Set(["a"]),
    fault_ms: 25,
    end_ms: 100,
    final: converged,
    vip: null,
  };
  void it("a clean run violates nothing", () => {
    const v = verdict({ ...base, samples: clean });
    assert.deepEqual(safetyViolations(v, 1000), []);
    assert.deepEqual(liveViolations(v), []);
  });
  void it("a split brain violates safety, but not liveness once it converged", () => {
    const v = verdict({ ...base, samples: split, acks: [ack("h1", 60, "a")] });
    const violations = safetyViolations(v, 1000);
    assert.equal(violations.length, 2, violations.join("; "));
    assert.deepEqual(liveViolations(v), []);
  });
  void it("a slow settle violates the bound", () => {
    const v = verdict({ ...base, samples: clean });
    assert.equal(safetyViolations(v, 10).length, 1);
  });
});

void describe("the VIP", () => {
  // h1 holds the VIP until 30 ms, h2 from 60 ms (its samples 5 ms later than h1's).
  const moved = [...vipOf("h1", "hhhh------"), ...vipOf("h2", "------hhhh", 5)];
  // h1's vip-manager is dead: the address stays on h1 while h2 binds it at 65 ms.
  const split = [...vipOf("h1", "hhhhhhhhhh"), ...vipOf("h2", "------hhhh", 5)];

  void it("has one holder at a time in a clean move, and says when it reached the new primary", () => {
    const v = vipVerdict(moved, "h2", 25, 100);
    assert.deepEqual(v.two_holders, []);
    assert.equal(v.on_primary_after_ms, 40);
    assert.equal(v.alone_on_primary_after_ms, 40);
    assert.deepEqual(v.holders_at_end, ["h2"]);
  });
  void it("counts only certain overlaps: a release and a bind between two samples are not two holders", () => {
    // h1 last seen holding at 30 ms, not at 40 ms; h2 first seen at 35 ms.
    const close = [...vipOf("h1", "hhhh------"), ...vipOf("h2", "---hhhhhhh", 5)];
    assert.deepEqual(
      vipTimeline(close, 100).filter((i) => i.nodes.length > 1),
      [],
    );
  });
  void it("finds two holders while a dead host's address stays, and when the new one was alone", () => {
    const v = vipVerdict(split, "h2", 25, 100);
    assert.deepEqual(v.two_holders, [{ from_ms: 65, to_ms: 100, nodes: ["h1", "h2"] }]);
    assert.equal(v.two_holders_ms, 35);
    assert.equal(v.on_primary_after_ms, 40);
    assert.equal(v.alone_on_primary_after_ms, null);
    // Released by h1 at 90 ms (its restarted manager): alone from h1's last held sample on.
    const healed = [...vipOf("h1", "hhhhhhhhh-"), ...vipOf("h2", "------hhhh", 5)];
    assert.equal(vipVerdict(healed, "h2", 25, 100).alone_on_primary_after_ms, 55);
  });
  void it("is 0 after the fault when the VIP stayed on the same host, null when it is not there at the end", () => {
    const stayed = vipTimeline([...vipOf("h1", "hhhh"), ...vipOf("h2", "----")], 50);
    assert.equal(vipOnAfter_ms(stayed, "h1", 20, true), 0);
    assert.equal(vipOnAfter_ms(stayed, "h2", 20, false), null);
    assert.equal(vipOnAfter_ms(vipTimeline(vipOf("h2", "hhh-"), 50), "h2", 0, false), null);
  });
  void it("ignores samples after the end of the run", () => {
    const late = [...vipOf("h1", "hhhh------"), ...vipOf("h2", "------hhhh", 5), ...vipOf("h1", "h", 120)];
    assert.deepEqual(vipVerdict(late, "h2", 25, 100).holders_at_end, ["h2"]);
  });

  const base = {
    samples: clean,
    acks: [ack("h1", 20, "a")],
    present: new Set(["a"]),
    fault_ms: 25,
    end_ms: 100,
    final: { ...converged, vip_holders: ["h2"] },
  };
  void it("a clean move violates nothing; two holders violate safety but not the data's invariants", () => {
    assert.deepEqual(safetyViolations(verdict({ ...base, vip: moved }), 1000), []);
    // Two holders from 65 ms until h1's last held sample at 80 ms; h2 alone at the end.
    const healed = verdict({ ...base, vip: [...vipOf("h1", "hhhhhhhhh-"), ...vipOf("h2", "------hhhh", 5)] });
    assert.deepEqual(safetyViolations(healed, 1000), ["1 intervals (15 ms) with two hosts holding the VIP"]);
    assert.deepEqual(dataSafetyViolations(healed, 1000), []);
    // Still two at the end: not converged either.
    assert.deepEqual(safetyViolations(verdict({ ...base, vip: split }), 1000), [
      "the VIP is not on the final primary's host h2 alone at the end (held by h1,h2)",
      "1 intervals (35 ms) with two hosts holding the VIP",
    ]);
  });
  void it("the VIP elsewhere than on the final primary at the end is a liveness violation", () => {
    const stuck = [...vipOf("h1", "hhhhhhhhhh"), ...vipOf("h2", "----------")];
    assert.deepEqual(liveViolations(verdict({ ...base, vip: stuck })), [
      "the VIP is not on the final primary's host h2 alone at the end (held by h1)",
    ]);
    assert.deepEqual(liveViolations(verdict({ ...base, vip: null })), []);
  });
  void it("convergence needs the VIP on the primary's host alone, when there is one", () => {
    assert.deepEqual(convergenceProblems({ ...converged, vip_holders: ["h2"] }), []);
    assert.deepEqual(convergenceProblems({ ...converged, vip_holders: ["h1", "h2"] }), [
      "VIP held by h1,h2, not by the primary's host h2 alone",
    ]);
    assert.deepEqual(convergenceProblems({ ...converged, vip_holders: [] }), [
      "VIP held by nobody, not by the primary's host h2 alone",
    ]);
  });
});
