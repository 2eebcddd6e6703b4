import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { pingPeriodMs } from "./detection.js";
import { Harness, PRIMARY, eventNames, eventTexts } from "./test-support.js";
import type { Effect } from "./types.js";

void test("probes: one outstanding PING and INFO per instance; replicas discovered from INFO", () => {
  const h = new Harness();
  const first = h.advance(100);
  const probes = first.filter((e) => e.type === "probe");
  assert.deepEqual(probes.map((p) => p.kind).sort(), ["info", "ping"]);
  // Unanswered: nothing new is sent for the same instance.
  assert.equal(h.advance(300).filter((e) => e.type === "probe").length, 0);
  const answered = h.answerProbes(probes, true);
  assert.deepEqual(eventNames(answered), ["+slave", "+slave"]);
  assert.ok(
    answered.some((e) => e.type === "persist"),
    "discovery is persisted",
  );
});

void test("a hang waits for down_after before +sdown", () => {
  const h = new Harness({ down_after_ms: 1000 });
  h.live(3000, true);
  const effects = h.live(900, false);
  assert.ok(!eventNames(effects).includes("+sdown"));
  const later = h.live(1500, false);
  assert.ok(eventTexts(later).includes("+sdown master mymaster 10.0.0.1 6379"));
  assert.equal(masterView(h.state, "mymaster")?.sdown, true);
  const back = h.live(1500, true);
  assert.ok(eventNames(back).includes("-sdown"));
});

void test("a supervised exit reported by the data-node is down at once; an unsupervised one is not", () => {
  const report = (h: Harness, supervised: boolean, seq: number): Effect[] =>
    h.input({
      type: "node_report",
      now_ms: h.now_ms,
      report: {
        node_id: "n1",
        address: PRIMARY,
        supervised,
        process: { state: "exited", code: null, signal: "SIGKILL" },
        fenced: false,
        epoch: 0,
        seq,
      },
    });
  const unsupervised = new Harness({ down_after_ms: 30000 });
  unsupervised.live(2000, true);
  assert.ok(!eventNames(report(unsupervised, false, 1)).includes("+sdown"));
  const h = new Harness({ down_after_ms: 30000 });
  h.live(2000, true);
  const effects = report(h, true, 1);
  assert.ok(eventNames(effects).includes("+sdown"));
  // The opinion goes out at once.
  assert.ok(effects.some((e) => e.type === "send" && e.message.type === "down_opinion" && e.message.down));
  // An older (reordered) report changes nothing.
  assert.deepEqual(eventNames(report(h, true, 1)), []);
});

void test("+reboot when the run id changes", () => {
  const h = new Harness();
  h.live(1000, true);
  const effects = h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      info: {
        ...(h.state.masters.get("mymaster")?.link.info ?? assert.fail("no info")),
        run_id: "f".repeat(40),
      },
      fenced: false,
      epoch: 0,
      seq: 5,
    },
  });
  assert.deepEqual(eventTexts(effects), ["+reboot master mymaster 10.0.0.1 6379"]);
});

void test("the PING period is a tenth of down-after within [ping_period_ms, 1000] and never above it", () => {
  const period = (down_after_ms: number): number => {
    const h = new Harness({ down_after_ms });
    const master = h.state.masters.get("mymaster");
    assert.ok(master !== undefined);
    return pingPeriodMs({ ...h.state, timing: { ...h.state.timing, ping_period_ms: 100 } }, master);
  };
  assert.equal(period(1000), 100);
  assert.equal(period(500), 100); // the floor
  assert.equal(period(5000), 500);
  assert.equal(period(30000), 1000); // Sentinel's default down-after: Sentinel's period
  assert.equal(period(60000), 1000);
  assert.equal(period(50), 50); // never above down-after
});

void test("an unanswered PING asks for a wake at its SDOWN deadline, which then fires between ticks", () => {
  const h = new Harness({ down_after_ms: 1000 });
  h.live(3000, true);
  const link = h.state.masters.get("mymaster")?.link;
  assert.ok(link !== undefined);
  // The primary stops answering; ticks until the first wake is asked for.
  let wake: Effect | undefined;
  for (let i = 0; i < 30 && wake === undefined; i++) wake = h.live(100, false).find((e) => e.type === "wake");
  assert.ok(wake?.type === "wake");
  const since_ms = link.unanswered_since_ms;
  assert.ok(since_ms !== null);
  const deadline_ms = since_ms + 1000 + 1;
  assert.equal(h.now_ms + wake.after_ms, deadline_ms);
  assert.ok(h.now_ms < deadline_ms - 1, "asked for ahead of the deadline");
  // A step just before the deadline: not down yet. The wake's tick, between two ticks: down.
  const before = h.input({ type: "tick", now_ms: deadline_ms - 1 });
  assert.ok(!eventNames(before).includes("+sdown"));
  const at = h.input({ type: "tick", now_ms: deadline_ms });
  assert.ok(eventTexts(at).includes("+sdown master mymaster 10.0.0.1 6379"));
  // Once down, no more wakes for it.
  h.now_ms = deadline_ms;
  assert.equal(h.live(1000, false).filter((e) => e.type === "wake").length, 0);
});

void test("answered PINGs ask for no wake", () => {
  const h = new Harness({ down_after_ms: 1000 });
  assert.equal(h.live(3000, true).filter((e) => e.type === "wake").length, 0);
});
