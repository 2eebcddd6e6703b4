import { test } from "node:test";
import assert from "node:assert/strict";
import { Harness, eventNames, eventTexts } from "./test-support.js";

void test("a clock jump enters TILT; nothing is acted upon; TILT ends after tilt_period", () => {
  const h = new Harness({ quorum: 1 });
  h.live(2000, true);
  h.now_ms += 10_000; // forward jump
  const jumped = h.input({ type: "tick", now_ms: h.now_ms });
  assert.deepEqual(eventTexts(jumped), ["+tilt #tilt mode entered"]);
  assert.equal(h.state.tilt, true);
  // The primary dies during TILT: no +sdown, no failover.
  const during = h.live(25_000, false);
  assert.ok(!eventNames(during).includes("+sdown"));
  assert.ok(!eventNames(during).includes("+try-failover"));
  const after = h.live(6_000, false);
  assert.ok(eventNames(after).includes("-tilt"));
  assert.ok(eventNames(after).includes("+sdown"));
});

void test("a backwards jump enters TILT too, and probing goes on (core time stays monotonic)", () => {
  const h = new Harness();
  h.live(2000, true);
  h.now_ms -= 5_000;
  assert.ok(eventNames(h.input({ type: "tick", now_ms: h.now_ms })).includes("+tilt"));
  const probes = h.live(2000, true).filter((e) => e.type === "probe" && e.kind === "ping");
  assert.ok(probes.length >= 1);
});

void test("votes are still answered in TILT", () => {
  const h = new Harness();
  h.meetPeers();
  h.now_ms += 10_000;
  h.input({ type: "tick", now_ms: h.now_ms });
  const replies = h
    .peer({
      type: "vote_request",
      from: "b".repeat(40),
      master_name: "mymaster",
      master_address: { host: "10.0.0.1", port: 6379 },
      epoch: 1,
      manual: true,
    })
    .filter((e) => e.type === "send");
  assert.equal(replies.length, 1);
});
