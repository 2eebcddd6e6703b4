import { test } from "node:test";
import assert from "node:assert/strict";
import { replicaViews } from "./agent.js";
import { FORGET_AFTER_MS_DEFAULT, forgetAfterMs } from "./forget.js";
import { Harness, PEERS, PRIMARY, R1, R2, SETTINGS, eventNames, eventTexts } from "./test-support.js";
import type { Address, Effect } from "./types.js";

const same = (a: Address, b: Address): boolean => a.host === b.host && a.port === b.port;

/**
 * Ticks for `ms`, answering every probe except those to `dead` (never answered), with the
 * primary's INFO listing `listed` as its replicas (a dead replica drops out of it, as in Redis).
 */
function run(h: Harness, ms: number, dead: readonly Address[], listed: readonly Address[]): Effect[] {
  const effects: Effect[] = [];
  const end = h.now_ms + ms;
  while (h.now_ms < end) {
    h.now_ms += 100;
    const tick = h.input({ type: "tick", now_ms: h.now_ms });
    const answered = tick.filter((e) => e.type !== "probe" || !dead.some((d) => same(d, e.target)));
    effects.push(...tick, ...h.answerProbes(answered, !dead.some((d) => same(d, PRIMARY)), listed));
  }
  return effects;
}

const replicas = (h: Harness): string[] =>
  replicaViews(h.state, "mymaster")
    .map((r) => `${r.address.host}:${r.address.port}`)
    .sort();

void test("forget: a replica unseen for forget-after is dropped with -slave and persisted; the live one stays", () => {
  const h = new Harness({ forget_after_ms: 10_000 });
  run(h, 1000, [], [R1, R2]);
  assert.deepEqual(replicas(h), ["10.0.0.2:6379", "10.0.0.3:6379"]);
  const before = run(h, 9000, [R2], [R1]);
  assert.ok(!eventNames(before).includes("-slave"), "not before forget-after");
  const after = run(h, 2000, [R2], [R1]);
  const texts = eventTexts(after).filter((t) => t.startsWith("-slave"));
  assert.equal(texts.length, 1);
  assert.match(
    texts[0] ?? "",
    /^-slave slave 10\.0\.0\.3:6379 10\.0\.0\.3 6379 @ mymaster 10\.0\.0\.1 6379 #not seen for \d+ ms$/,
  );
  assert.ok(
    after.some((e) => e.type === "persist"),
    "the forgetting is persisted",
  );
  assert.deepEqual(replicas(h), ["10.0.0.2:6379"]);
});

void test("forget: a forgotten replica that comes back is rediscovered from the primary's INFO (+slave)", () => {
  const h = new Harness({ forget_after_ms: 5000 });
  run(h, 1000, [], [R1, R2]);
  run(h, 8000, [R2], [R1]);
  assert.deepEqual(replicas(h), ["10.0.0.2:6379"]);
  // Back: it answers and the primary lists it again (the next INFO of the primary, <= 10 s).
  const back = run(h, 11_000, [], [R1, R2]);
  assert.ok(eventTexts(back).some((t) => t.startsWith("+slave slave 10.0.0.3:6379")));
  assert.deepEqual(replicas(h), ["10.0.0.2:6379", "10.0.0.3:6379"]);
  // And it is not forgotten again while it answers.
  assert.ok(!eventNames(run(h, 8000, [], [R1, R2])).includes("-slave"));
});

void test("forget: never the primary, however long it is unseen", () => {
  const h = new Harness({ forget_after_ms: 2000 });
  run(h, 1000, [], [R1, R2]);
  const effects = run(h, 20_000, [PRIMARY], [R1, R2]);
  assert.ok(eventNames(effects).includes("+sdown"));
  assert.ok(!eventTexts(effects).some((t) => t.includes("10.0.0.1:6379")), "no -slave of the primary");
  const master = h.state.masters.get("mymaster");
  assert.ok(master !== undefined && same(master.address, PRIMARY));
  assert.deepEqual(replicas(h), ["10.0.0.2:6379", "10.0.0.3:6379"]);
});

void test("forget: no replica is forgotten while a failover of the master runs (its target among them)", () => {
  const h = new Harness({ forget_after_ms: 1500, failover_timeout_ms: 60_000, quorum: 1 });
  run(h, 1000, [], [R1, R2]);
  // A manual failover starts (R1 is selected, the old primary's fence is under way), and R2 stops
  // answering for longer than forget-after meanwhile.
  const started = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "failover", name: "mymaster" },
  });
  assert.ok(started.some((e) => e.type === "admin_reply" && e.ok));
  const during = run(h, 2500, [R2], [R1]);
  assert.ok(eventNames(during).includes("+selected-slave"));
  assert.notEqual(h.state.masters.get("mymaster")?.failover ?? null, null, "still failing over");
  assert.ok(!eventNames(during).includes("-slave"), "unseen for 2500 ms > 1500, but a failover runs");
  assert.deepEqual(replicas(h), ["10.0.0.2:6379", "10.0.0.3:6379"]);
  // Once the failover is over (here: its catch-up bound), the dead replica is forgotten.
  const later = run(h, 60_000, [R2], [R1]);
  const order = eventNames(later).filter((n) => n.startsWith("-failover-abort") || n === "-slave");
  assert.deepEqual(order, ["-failover-abort-catchup-timeout", "-slave"]);
});

void test("forget: agents unseen for forget-after are dropped with -sentinel; 0 disables forgetting", () => {
  const h = new Harness({ forget_after_ms: 10_000 });
  h.meetPeers();
  run(h, 5000, [], [R1, R2]);
  h.meetPeers([PEERS[0]]); // only the first keeps saying hello
  const effects = run(h, 8000, [], [R1, R2]);
  const gone = eventTexts(effects).filter((t) => t.startsWith("-sentinel"));
  assert.equal(gone.length, 1);
  assert.match(gone[0] ?? "", new RegExp(`^-sentinel sentinel ${PEERS[1]} 10\\.0\\.9\\.3 26379 @ mymaster`));
  assert.deepEqual([...(h.state.masters.get("mymaster")?.agents.keys() ?? [])], [PEERS[0]]);

  const never = new Harness({ forget_after_ms: 0 });
  never.meetPeers();
  run(never, 1000, [], [R1, R2]);
  const quiet = run(never, 30_000, [R2], [R1]);
  assert.ok(!eventNames(quiet).some((n) => n === "-slave" || n === "-sentinel"));
  assert.equal(forgetAfterMs(SETTINGS), FORGET_AFTER_MS_DEFAULT);
});

void test("forget: SENTINEL RESET still forgets everything at once", () => {
  const h = new Harness({ forget_after_ms: 10_000 });
  h.meetPeers();
  run(h, 1000, [], [R1, R2]);
  const reset = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "reset", pattern: "*" },
  });
  assert.ok(eventNames(reset).includes("+reset-master"));
  assert.deepEqual(replicas(h), []);
  run(h, 11_000, [], [R1, R2]);
  assert.deepEqual(replicas(h), ["10.0.0.2:6379", "10.0.0.3:6379"], "rediscovered after the reset");
});
