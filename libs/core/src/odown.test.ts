import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { Harness, PEERS, PRIMARY, eventTexts } from "./test-support.js";

function opinion(h: Harness, from: string, down: boolean, address = PRIMARY): void {
  h.peer({
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
