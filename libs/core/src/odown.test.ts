import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { Harness, PEERS, PRIMARY, eventNames, eventTexts } from "./test-support.js";
import type { Effect } from "./types.js";

function opinion(h: Harness, from: string, down: boolean, address = PRIMARY): Effect[] {
  return h.peer({
    type: "down_opinion",
    from,
    current_epoch: 0,
    master_name: "mymaster",
    master_address: address,
    down,
  });
}

void test("ODOWN counts itself and fresh peer opinions about the same address", () => {
  const h = new Harness({ quorum: 3, down_after_ms: 1000, election_timeout_ms: 100000 });
  h.meetPeers();
  h.live(2000, true);
  h.live(1500, false);
  assert.equal(masterView(h.state, "mymaster")?.sdown, true);
  const [b, c] = PEERS;
  opinion(h, b, true);
  opinion(h, c, true, { host: "10.9.9.9", port: 1 }); // about another primary: ignored
  assert.equal(masterView(h.state, "mymaster")?.odown, false);
  opinion(h, c, true);
  assert.equal(masterView(h.state, "mymaster")?.odown, true);
  assert.ok(eventTexts(h.log).includes("+odown master mymaster 10.0.0.1 6379 #quorum 3/3"));
});

void test("stale opinions (older than opinion_max_age) stop counting: -odown", () => {
  const h = new Harness({ quorum: 2, election_timeout_ms: 100000 });
  h.meetPeers();
  h.live(2000, true);
  h.live(1500, false);
  opinion(h, PEERS[0], true);
  assert.equal(masterView(h.state, "mymaster")?.odown, true);
  const later = h.live(5100, false);
  assert.ok(eventTexts(later).includes("-odown master mymaster 10.0.0.1 6379"));
  assert.equal(masterView(h.state, "mymaster")?.odown, false);
});

void test("opinions from unknown agents are ignored", () => {
  const h = new Harness({ quorum: 2 });
  h.live(2000, true);
  h.live(1500, false);
  opinion(h, "d".repeat(40), true);
  assert.equal(masterView(h.state, "mymaster")?.odown, false);
});

void test("the first-ranked agent that sees the master down stands at once; the next waits a slot", () => {
  // ME ("aaa…") ranks before both peers: no wait.
  const first = new Harness({ quorum: 2, down_after_ms: 1000, election_timeout_ms: 250 });
  first.meetPeers();
  first.live(2000, true);
  first.live(1500, false);
  const started = [...first.log];
  opinion(first, PEERS[0], true);
  const now = first.log.slice(started.length);
  assert.ok(eventNames(now).includes("+try-failover"), "stands in the same step as ODOWN");
  // A peer ranking before us sees it down too: we wait one slot (election_timeout / 5) for it.
  const second = new Harness({ quorum: 2, down_after_ms: 1000, election_timeout_ms: 250 });
  second.meetPeers(["0".repeat(40), PEERS[1]]);
  second.live(2000, true);
  second.live(1500, false);
  const odown = opinion(second, "0".repeat(40), true);
  assert.ok(eventNames(odown).includes("+odown"));
  assert.ok(!eventNames(odown).includes("+try-failover"));
  const wake = odown.find((e) => e.type === "wake");
  assert.ok(wake?.type === "wake");
  assert.equal(wake.after_ms, 50);
  const early = second.input({ type: "tick", now_ms: second.now_ms + 49 });
  assert.ok(!eventNames(early).includes("+try-failover"));
  const later = second.input({ type: "tick", now_ms: second.now_ms + 50 });
  assert.ok(eventNames(later).includes("+try-failover"));
});

void test("a live peer with a smaller id ranks first even before its opinion arrives", () => {
  // ODOWN comes from the larger-id peer's opinion; the smaller-id peer is alive (hello) but its
  // opinion is still in flight: we wait its slot instead of standing with it at once.
  const h = new Harness({ quorum: 2, down_after_ms: 1000, election_timeout_ms: 250 });
  h.meetPeers(["0".repeat(40), PEERS[1]]);
  h.live(2000, true);
  h.meetPeers(["0".repeat(40), PEERS[1]]); // fresh hellos: both alive
  h.live(1500, false);
  const odown = opinion(h, PEERS[1], true);
  assert.ok(eventNames(odown).includes("+odown"));
  assert.ok(!eventNames(odown).includes("+try-failover"));
  const wake = odown.find((e) => e.type === "wake");
  assert.ok(wake?.type === "wake");
  assert.equal(wake.after_ms, 50);
});
