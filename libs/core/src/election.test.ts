import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { Harness, ME, PEERS, PRIMARY, eventNames, eventTexts, fixedRandom, sends } from "./test-support.js";
import type { Effect } from "./types.js";

function request(h: Harness, from: string, epoch: number, manual = false): Effect[] {
  return h.peer({
    type: "vote_request",
    from,
    master_name: "mymaster",
    master_address: PRIMARY,
    epoch,
    manual,
  });
}

function downHarness(): Harness {
  const h = new Harness({ quorum: 2, election_timeout_ms: 400 });
  h.meetPeers();
  h.live(2000, true);
  return h;
}

void test("a vote is persisted before the reply that carries it, and given once per epoch", () => {
  const h = downHarness();
  h.live(1500, false); // SDOWN, alone: not ODOWN (quorum 2)
  const [b, c] = PEERS;
  const effects = request(h, b, 1);
  const persist_at = effects.findIndex((e) => e.type === "persist");
  const reply_at = effects.findIndex((e) => e.type === "send" && e.message.type === "vote_reply");
  assert.ok(persist_at >= 0 && persist_at < reply_at, "persist precedes the reply");
  const persisted = effects[persist_at];
  assert.ok(persisted?.type === "persist");
  assert.equal(persisted.state.current_epoch, 1);
  assert.equal(persisted.state.masters[0]?.leader, b);
  assert.ok(eventTexts(effects).includes(`+vote-for-leader ${b} 1`));
  // Another candidate, same epoch: the reply repeats the vote for b.
  const second = sends(request(h, c, 1));
  assert.deepEqual(second, [
    {
      type: "vote_reply",
      from: ME,
      master_name: "mymaster",
      epoch: 1,
      leader: b,
      leader_epoch: 1,
      lease_grant_age_ms: 3500, // never granted: since the epoch was learned (the start)
      promote_grant_age_ms: null, // the start counted as one, but longer ago than a lease can hold
    },
  ]);
  // A duplicate of the first request changes nothing.
  assert.deepEqual(eventNames(request(h, b, 1)), []);
});

void test("no vote unless the voter sees the master down, except for a manual failover", () => {
  const h = downHarness();
  const [b] = PEERS;
  const refused = sends(request(h, b, 1));
  assert.equal(refused[0]?.type === "vote_reply" && refused[0].leader, null);
  const manual = sends(request(h, b, 2, true));
  assert.equal(manual[0]?.type === "vote_reply" && manual[0].leader, b);
});

void test("stale epochs get no vote", () => {
  const h = downHarness();
  h.live(1500, false);
  const [b, c] = PEERS;
  request(h, b, 5);
  const stale = sends(request(h, c, 3));
  assert.deepEqual(stale[0]?.type === "vote_reply" && [stale[0].leader, stale[0].leader_epoch], [b, 5]);
});

/** Ticks (answering probes) until `name` is emitted; returns the time, or null. */
function until(h: Harness, name: string, limit_ms: number, primary_up = false): number | null {
  const end = h.now_ms + limit_ms;
  while (h.now_ms < end) {
    if (eventNames(h.live(100, primary_up)).includes(name)) return h.now_ms;
  }
  return null;
}

void test("a candidate is elected with max(quorum, majority) votes", () => {
  const h = downHarness();
  const [b, c] = PEERS;
  assert.ok(until(h, "+sdown", 3000) !== null);
  const before = h.log.length;
  h.peer({
    type: "down_opinion",
    from: b,
    current_epoch: 0,
    master_name: "mymaster",
    master_address: PRIMARY,
    down: true,
  });
  h.live(100, false);
  const start = h.log.slice(before);
  assert.deepEqual(
    eventNames(start).filter((n) =>
      ["+odown", "+new-epoch", "+try-failover", "+vote-for-leader"].includes(n),
    ),
    ["+odown", "+new-epoch", "+try-failover", "+vote-for-leader"],
  );
  const req = sends(start).find((m) => m.type === "vote_request");
  assert.ok(req?.type === "vote_request" && req.epoch === 1 && !req.manual);
  // Persist (epoch and own vote) precedes the vote request.
  const send_at = start.findIndex((e) => e.type === "send" && e.message.type === "vote_request");
  const persist_at = start.slice(0, send_at).findLastIndex((e) => e.type === "persist");
  assert.ok(persist_at >= 0);
  const persisted = start[persist_at];
  assert.ok(persisted?.type === "persist" && persisted.state.current_epoch === 1);
  assert.equal(persisted.state.masters[0]?.leader, ME);
  // A vote for someone else does not count; a vote for us does: 2 of 3 = majority and quorum.
  h.peer({ type: "vote_reply", from: c, master_name: "mymaster", epoch: 1, leader: c, leader_epoch: 1 });
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "wait-start");
  const won = h.peer({
    type: "vote_reply",
    from: b,
    master_name: "mymaster",
    epoch: 1,
    leader: ME,
    leader_epoch: 1,
  });
  assert.ok(eventNames(won).includes("+elected-leader"));
});

void test("not elected: abort within [election_timeout, 2*election_timeout), retry after a randomised delay", () => {
  for (const fraction of [0, 0.99]) {
    const h = new Harness({ quorum: 1, election_timeout_ms: 400 }, fixedRandom(fraction));
    h.meetPeers();
    h.live(2000, true);
    const tried = until(h, "+try-failover", 3000);
    assert.ok(tried !== null);
    const aborted = until(h, "-failover-abort-not-elected", 2000);
    assert.ok(aborted !== null);
    const elapsed = aborted - tried;
    assert.ok(elapsed >= 400 && elapsed <= 900, `abort after ${elapsed} ms`);
    const retried = until(h, "+try-failover", 2000);
    assert.ok(retried !== null && retried - aborted >= 400 && retried - aborted <= 900, "retried in range");
    assert.equal(h.state.current_epoch, 2);
  }
});

/** A manual failover started by an admin input: the candidacy begins in exactly that step. */
function candidacy(h: Harness): number {
  h.meetPeers();
  h.live(1500, true); // replicas discovered, INFO fresh
  const effects = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "failover", name: "mymaster" },
  });
  assert.ok(eventNames(effects).includes("+try-failover"));
  return h.state.current_epoch;
}

void test("the election timeout starts once the candidacy is durable, not before our own slow write", () => {
  // The shell steps nothing while the candidate's vote is being persisted, and the requests leave
  // after it. A 450 ms write must not use up a 400 ms timeout before any voter could answer.
  const h = new Harness({ quorum: 1, election_timeout_ms: 400 }, fixedRandom(0));
  const epoch = candidacy(h);
  h.now_ms += 450; // the persist of our own vote took this long
  const next = h.input({ type: "tick", now_ms: h.now_ms });
  assert.deepEqual(eventNames(next), [], "no abort on the first step after the write");
  h.now_ms += 20;
  const [b] = PEERS;
  const won = h.peer({
    type: "vote_reply",
    from: b,
    master_name: "mymaster",
    epoch,
    leader: ME,
    leader_epoch: epoch,
  });
  assert.ok(eventNames(won).includes("+elected-leader"), "elected by a vote that came 20 ms after the write");
});

void test("an armed election timeout still aborts a candidacy nobody votes for", () => {
  const h = new Harness({ quorum: 1, election_timeout_ms: 400 }, fixedRandom(0));
  candidacy(h);
  h.now_ms += 450;
  h.input({ type: "tick", now_ms: h.now_ms });
  const armed_ms = h.now_ms;
  const aborted = until(h, "-failover-abort-not-elected", 2000, true);
  assert.ok(
    aborted !== null && aborted - armed_ms >= 400 && aborted - armed_ms <= 500,
    `aborted ${String(aborted)}`,
  );
});
