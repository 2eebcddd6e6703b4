import { test } from "node:test";
import assert from "node:assert/strict";
import { initAgent, masterView } from "./agent.js";
import { snapshot } from "./persist.js";
import { Harness, PEERS, PRIMARY, R1, R2, config, eventTexts } from "./test-support.js";
import type { Effect } from "./types.js";

function hello(h: Harness, config_epoch: number, address = R1, current_epoch = config_epoch): Effect[] {
  return h.peer({
    type: "hello",
    from: PEERS[0],
    announce: { host: "10.0.9.2", port: 26379 },
    current_epoch,
    master_name: "mymaster",
    master_address: address,
    config_epoch,
  });
}

void test("a higher config epoch in a hello is adopted: +config-update-from, +switch-master, observer reconfig", () => {
  const h = new Harness();
  h.meetPeers();
  const effects = hello(h, 3);
  const texts = eventTexts(effects);
  assert.ok(texts.includes("+new-epoch 3"));
  assert.ok(
    texts.includes(`+config-update-from sentinel ${PEERS[0]} 10.0.9.2 26379 @ mymaster 10.0.0.1 6379`),
  );
  assert.ok(texts.includes("+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379"));
  const reconfig = effects.find((e) => e.type === "client_reconfig");
  assert.ok(reconfig?.type === "client_reconfig" && reconfig.role === "observer");
  assert.deepEqual(masterView(h.state, "mymaster")?.address, R1);
  assert.equal(masterView(h.state, "mymaster")?.config_epoch, 3);
  // Lower or equal epochs are ignored.
  assert.deepEqual(eventTexts(hello(h, 2, PRIMARY, 3)), []);
  assert.deepEqual(masterView(h.state, "mymaster")?.address, R1);
});

void test("the committed record from the KV is adopted too, and survives a restart", () => {
  const h = new Harness();
  const effects = h.input({
    type: "topology_observed",
    now_ms: h.now_ms,
    revision: 4,
    record: { master_name: "mymaster", config_epoch: 2, primary: R1, replicas: [PRIMARY], leader: PEERS[1] },
  });
  assert.ok(eventTexts(effects).includes("+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379"));
  const restored = initAgent(config(), snapshot(h.state), h.now_ms);
  assert.deepEqual(masterView(restored, "mymaster")?.address, R1);
  assert.equal(masterView(restored, "mymaster")?.config_epoch, 2);
});

void test("the configuration's myid is the identity: a snapshot under another id keeps its epochs and peers", () => {
  const h = new Harness();
  h.meetPeers();
  hello(h, 3);
  const saved = { ...snapshot(h.state), myid: "f".repeat(40) };
  const restored = initAgent(config(), saved, h.now_ms);
  assert.equal(restored.myid, config().myid);
  assert.notEqual(restored.myid, saved.myid);
  assert.equal(restored.current_epoch, saved.current_epoch);
  assert.equal(masterView(restored, "mymaster")?.config_epoch, 3);
  assert.equal(restored.masters.get("mymaster")?.agents.size, h.state.masters.get("mymaster")?.agents.size);
});

/** R1 becomes the primary by the committed record at epoch 2. */
function r1Committed(h: Harness): Effect[] {
  return h.input({
    type: "topology_observed",
    now_ms: h.now_ms,
    revision: 4,
    record: {
      master_name: "mymaster",
      config_epoch: 2,
      primary: R1,
      replicas: [PRIMARY, R2],
      leader: PEERS[1],
    },
  });
}

const toR1 = (e: Effect): boolean =>
  e.type === "probe" && e.target.host === R1.host && e.target.port === R1.port;

void test("+switch-master restarts the new primary's PING clock: a replica we had down is not the primary's +sdown at once", () => {
  const h = new Harness();
  h.meetPeers();
  h.live(1000, true);
  // R1 stops answering us long enough to be down as a replica, then is made the primary.
  assert.ok(
    eventTexts(h.live(1500, true, toR1)).includes(
      "+sdown slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379",
    ),
  );
  const switched = eventTexts(r1Committed(h));
  assert.ok(switched.includes("+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379"));
  assert.ok(!switched.some((t) => t.startsWith("+sdown master")), switched.join("\n"));
  // Still unanswered: down after down-after-milliseconds from the switch, as in sentinel.c.
  assert.ok(!eventTexts(h.live(900, true, toR1)).some((t) => t.startsWith("+sdown master")));
  assert.ok(
    eventTexts(h.live(300, true, toR1)).some((t) => t.startsWith("+sdown master mymaster 10.0.0.2 6379")),
  );
});

void test("+switch-master restarts the new primary's role clock: its old INFO role slave does not make it down at once", () => {
  const h = new Harness();
  h.meetPeers();
  // R1 has answered INFO as a replica for longer than down-after + 2 INFO periods.
  h.live(25_000, true);
  const switched = eventTexts(r1Committed(h));
  assert.ok(switched.includes("+switch-master mymaster 10.0.0.1 6379 10.0.0.2 6379"));
  assert.ok(!switched.some((t) => t.startsWith("+sdown master")), switched.join("\n"));
  // It keeps saying slave (never promoted): down once that has lasted past the bound again.
  const later = eventTexts(h.live(25_000, true));
  assert.ok(
    later.some((t) => t.startsWith("+sdown master mymaster 10.0.0.2 6379")),
    later.join("\n"),
  );
});
