// reconcile.ts: lifting a fence the data-node set by itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Harness, PEERS, PRIMARY, SETTINGS, eventTexts, masterInfo, R1, R2 } from "./test-support.js";
import type { Effect } from "./types.js";

let report_seq = 0;

/** The primary's data-node reports it fenced, at data-node epoch 0. */
function fencedReport(h: Harness): Effect[] {
  report_seq += 1;
  return h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "r1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      info: masterInfo([R1, R2]),
      fenced: true,
      epoch: 0,
      seq: report_seq,
    },
  });
}

/** 600 ms of a sane primary, the peers' hellos fresh, the fenced report repeated: every effect. */
function liveFenced(h: Harness): Effect[] {
  const from = h.log.length;
  for (let i = 0; i < 3; i += 1) {
    h.meetPeers();
    fencedReport(h);
    h.live(200, true);
  }
  return h.log.slice(from);
}

const UNFENCE = "+unfence-master master mymaster 10.0.0.1 6379 #epoch 0";

void test("a sane primary fenced by its data-node is unfenced at the config epoch", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(2000, true);
  assert.ok(eventTexts(liveFenced(h)).includes(UNFENCE));
});

void test("no unfence while a failover this agent voted for may still promote another node", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(2000, true);
  const [b] = PEERS;
  // A peer's manual failover (SENTINEL FAILOVER there): voted for, though our primary looks sane.
  const vote = h.peer({
    type: "vote_request",
    from: b,
    master_name: "mymaster",
    master_address: PRIMARY,
    epoch: 1,
    manual: true,
  });
  assert.ok(eventTexts(vote).some((line) => line.startsWith("+vote-for-leader")));
  assert.ok(!eventTexts(liveFenced(h)).includes(UNFENCE), "the vote for epoch 1 is not known to be over");
  // Sentinel's re-vote delay (2 x failover-timeout) ends the wait: the failover is over by then.
  h.live(2 * SETTINGS.failover_timeout_ms + 1000, true);
  assert.ok(eventTexts(liveFenced(h)).includes(UNFENCE), "after the re-vote delay");
});
