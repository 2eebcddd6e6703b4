import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { EPOCH_STEP_MAX } from "./epoch-guard.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  eventNames,
  eventTexts,
  masterInfo,
  sends,
} from "./test-support.js";
import type { Effect, PeerMessage } from "./types.js";

const FORGED = EPOCH_STEP_MAX + 1;

function hello(current_epoch: number, config_epoch = 0): PeerMessage {
  return {
    type: "hello",
    from: PEERS[0],
    announce: { host: "10.0.9.2", port: 26379 },
    current_epoch,
    master_name: "mymaster",
    master_address: PRIMARY,
    config_epoch,
  };
}

function refused(effects: readonly Effect[]): string[] {
  return eventTexts(effects).filter((t) => t.startsWith("-epoch-refused"));
}

void test("a hello more than EPOCH_STEP_MAX ahead is refused and logged; one at the bound is adopted", () => {
  const h = new Harness();
  h.meetPeers();
  const effects = h.peer(hello(FORGED));
  assert.deepEqual(refused(effects), [
    `-epoch-refused #from hello from ${PEERS[0]} epoch ${FORGED} current 0 max-step ${EPOCH_STEP_MAX}`,
  ]);
  assert.equal(h.state.current_epoch, 0);
  assert.ok(!effects.some((e) => e.type === "persist"), "nothing adopted, nothing persisted");
  // A forged config epoch in an otherwise sane hello is refused as well (the whole message).
  assert.equal(refused(h.peer(hello(1, FORGED))).length, 1);
  assert.equal(masterView(h.state, "mymaster")?.config_epoch, 0);
  h.peer(hello(EPOCH_STEP_MAX));
  assert.equal(h.state.current_epoch, EPOCH_STEP_MAX);
});

void test("a forged vote request gets no vote and moves no epoch; a forged vote reply or opinion neither", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1500, false); // SDOWN: an honest request would get the vote
  const effects = [
    ...h.peer({
      type: "vote_request",
      from: PEERS[0],
      master_name: "mymaster",
      master_address: PRIMARY,
      epoch: FORGED,
      manual: true,
    }),
    ...h.peer({
      type: "vote_reply",
      from: PEERS[1],
      master_name: "mymaster",
      epoch: 1,
      leader: ME,
      leader_epoch: FORGED,
    }),
    ...h.peer({
      type: "down_opinion",
      from: PEERS[1],
      current_epoch: FORGED,
      master_name: "mymaster",
      master_address: PRIMARY,
      down: true,
    }),
  ];
  assert.equal(refused(effects).length, 3);
  assert.ok(!eventNames(effects).includes("+vote-for-leader"));
  assert.equal(sends(effects).length, 0, "no reply to a forged request");
  assert.equal(h.state.current_epoch, 0);
  assert.equal(h.state.masters.get("mymaster")?.leader_epoch, 0);
});

void test("a topology record or a data-node report more than EPOCH_STEP_MAX ahead is refused", () => {
  const h = new Harness();
  h.live(1500, true);
  const record = {
    master_name: "mymaster",
    config_epoch: FORGED,
    primary: R1,
    replicas: [],
    leader: PEERS[0],
  };
  const observed = h.input({ type: "topology_observed", now_ms: h.now_ms, record, revision: 3 });
  assert.deepEqual(refused(observed), [
    `-epoch-refused #from topology record rev 3 epoch ${FORGED} current 0 max-step ${EPOCH_STEP_MAX}`,
  ]);
  assert.deepEqual(masterView(h.state, "mymaster")?.address, PRIMARY, "not switched");
  const report = h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      info: masterInfo([]),
      fenced: true,
      epoch: FORGED,
      seq: 1,
    },
  });
  assert.equal(refused(report).length, 1);
  assert.equal(h.state.masters.get("mymaster")?.link.node_epoch, -1, "report not applied");
});
