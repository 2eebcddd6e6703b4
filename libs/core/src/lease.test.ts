import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LEASE_CLOCK_RATE_MARGIN,
  LEASE_MARGIN_MS,
  leaseGrantWindowMs,
  leaseHoldMs,
  leaseMs,
} from "./lease.js";
import { initAgent } from "./agent.js";
import { snapshot } from "./persist.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  R2,
  SETTINGS,
  config,
  eventNames,
  eventTexts,
  sends,
} from "./test-support.js";
import type { Effect, LeaseGrant, LeaseRequest, NodeCommand } from "./types.js";

const REQUEST: LeaseRequest = {
  node_id: "node-1",
  master_name: "mymaster",
  address: PRIMARY,
  epoch: 0,
  seq: 7,
};

function ask(h: Harness, request: Partial<LeaseRequest> = {}): LeaseGrant {
  const effects = h.input({ type: "lease_request", now_ms: h.now_ms, request: { ...REQUEST, ...request } });
  const grants = effects.flatMap((e) => (e.type === "lease_grant" ? [e.grant] : []));
  assert.equal(grants.length, 1, "one grant effect per request");
  const grant = grants[0];
  assert.ok(grant !== undefined);
  return grant;
}

/** down-after 3 s: a grant window (1.5 s) longer than the harness's PING period (1 s). */
function healthy(): Harness {
  const h = new Harness({ quorum: 1, down_after_ms: 3000 });
  h.meetPeers();
  h.live(2000, true);
  return h;
}

void test("defaults follow the ADR: lease 0.4 x down-after (at most 2 s), grant window down-after / 2", () => {
  assert.equal(leaseMs(SETTINGS), 400);
  assert.equal(leaseMs({ ...SETTINGS, down_after_ms: 30_000 }), 2000);
  assert.equal(leaseGrantWindowMs(SETTINGS), 500);
});

void test("an agent grants its primary's lease while it answers our PINGs", () => {
  const h = healthy();
  const grant = ask(h);
  assert.deepEqual(grant, {
    type: "lease_grant",
    from: ME,
    node_id: "node-1",
    master_name: "mymaster",
    seq: 7,
    granted: true,
    config_epoch: 0,
    epoch: 0,
    lease_ms: 1200,
    agents_known: 3,
  });
});

void test("refused: another address, an epoch ahead of ours, an unknown master, no recent PING reply", () => {
  const h = healthy();
  assert.equal(ask(h, { address: R1 }).reason, "not-primary");
  assert.equal(ask(h, { epoch: 1 }).reason, "epoch-ahead");
  assert.equal(ask(h, { master_name: "other" }).reason, "unknown-master");
  h.live(1600, false); // PINGs unanswered for longer than the grant window (1.5 s)
  const late = ask(h);
  assert.deepEqual([late.granted, late.reason], [false, "no-recent-ping"]);
});

void test("a data-node report does not renew the grant window (only our own PINGs do)", () => {
  const h = healthy();
  h.live(1600, false);
  h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "node-1",
      address: PRIMARY,
      supervised: true,
      process: { state: "running" },
      fenced: false,
      epoch: 0,
      seq: 1,
    },
  });
  assert.equal(ask(h).reason, "no-recent-ping");
});

void test("after a vote for a newer failover, no lease for 2 x failover-timeout; the vote reply says the last grant's age", () => {
  const h = healthy();
  assert.equal(ask(h).granted, true);
  h.live(300, true);
  const [b] = PEERS;
  const effects = h.input({
    type: "peer_message",
    now_ms: h.now_ms,
    message: {
      type: "vote_request",
      from: b,
      master_name: "mymaster",
      master_address: PRIMARY,
      epoch: 1,
      manual: true,
    },
  });
  const reply = sends(effects).find((m) => m.type === "vote_reply");
  assert.ok(reply?.type === "vote_reply" && reply.leader === b);
  assert.equal(reply.lease_grant_age_ms, 300);
  assert.equal(ask(h).reason, "failover-pending");
  h.live(2 * SETTINGS.failover_timeout_ms - 200, true);
  assert.equal(ask(h).reason, "failover-pending");
  h.live(300, true);
  assert.equal(ask(h).granted, true, "the vote's failover is over (Sentinel's re-vote delay)");
});

type CommandEffect = Extract<Effect, { type: "node_command" }>;

function commands(effects: readonly Effect[], type: NodeCommand["type"]): CommandEffect[] {
  return effects.flatMap((e) => (e.type === "node_command" && e.command.type === type ? [e] : []));
}

/**
 * Elected with both peers' votes; each says it granted the old primary a lease `lease_age_ms` ago
 * and, when given, another node a promote-lease `promote_age_ms` ago (null: none).
 */
function electedWithVoterGrants(
  lease_age_ms: number | null,
  promote_age_ms?: number | null,
): {
  h: Harness;
  effects: Effect[];
  elected_ms: number;
} {
  const h = new Harness({ quorum: 1 });
  h.meetPeers();
  h.live(2000, true);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false);
  const effects: Effect[] = [];
  for (const from of PEERS) {
    effects.push(
      ...h.peer({
        type: "vote_reply",
        from,
        master_name: "mymaster",
        epoch: 1,
        leader: ME,
        leader_epoch: 1,
        lease_grant_age_ms: lease_age_ms,
        ...(promote_age_ms === undefined ? {} : { promote_grant_age_ms: promote_age_ms }),
      }),
    );
  }
  assert.ok(eventNames(effects).includes("+elected-leader"));
  return { h, effects, elected_ms: h.now_ms };
}

const electedWithRecentGrants = (age_ms: number | null): ReturnType<typeof electedWithVoterGrants> =>
  electedWithVoterGrants(age_ms);

const LEASE_WAIT_MS = 400 * (1 + LEASE_CLOCK_RATE_MARGIN) + LEASE_MARGIN_MS;

void test("gate, ack: a fresh lease holds the promotion until the old primary's data-node confirms the fence", () => {
  const { h, effects } = electedWithRecentGrants(0);
  const fence = commands(effects, "fence")[0];
  assert.ok(fence !== undefined && fence.epoch === 1);
  assert.deepEqual(fence.target, PRIMARY);
  assert.equal(commands(effects, "promote").length, 0, "no promotion while the lease may run");
  assert.equal(commands(h.advance(200), "promote").length, 0, "the lease deadline is still ahead");
  const acked = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: fence.command_id,
    result: { ok: true, role: "master", offset: 10, fenced: true },
  });
  assert.ok(eventTexts(acked).includes("+old-primary-fenced master mymaster 10.0.0.1 6379 #ack #epoch 1"));
  assert.equal(commands(acked, "promote").length, 1);
});

void test("gate, exited: the supervising data-node's exit report opens it at once", () => {
  const { h, effects } = electedWithRecentGrants(0);
  assert.equal(commands(effects, "promote").length, 0);
  const exited = h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "node-1",
      address: PRIMARY,
      supervised: true,
      process: { state: "exited", code: null, signal: "SIGKILL" },
      fenced: false,
      epoch: 0,
      seq: 1,
    },
  });
  assert.equal(commands(exited, "promote").length, 0, "not before our own PING confirms the exit");
  // The report is confirmed by our own PING to the primary failing (detection.ts).
  const ping = exited.find(
    (e): e is Extract<Effect, { type: "probe" }> =>
      e.type === "probe" && e.kind === "ping" && e.target.port === PRIMARY.port,
  );
  assert.ok(ping !== undefined, "a PING goes out at once");
  const confirmed = h.input({
    type: "probe_result",
    now_ms: h.now_ms,
    probe_id: ping.probe_id,
    target: ping.target,
    result: { kind: "ping", ok: false, error: "ECONNREFUSED" },
  });
  assert.ok(
    eventTexts(confirmed).includes("+old-primary-fenced master mymaster 10.0.0.1 6379 #exited #epoch 1"),
  );
  assert.equal(commands(confirmed, "promote").length, 1);
});

void test("gate, lease: without an answer the promotion waits until the lease has certainly expired", () => {
  const { h, effects, elected_ms } = electedWithRecentGrants(0);
  assert.ok(
    effects.some((e) => e.type === "wake"),
    "a wake for the lease deadline",
  );
  let promoted_ms: number | null = null;
  for (let i = 0; i < 20 && promoted_ms === null; i += 1) {
    const tick = h.advance(100);
    if (commands(tick, "promote").length > 0) {
      promoted_ms = h.now_ms;
      assert.ok(
        eventTexts(tick).includes(
          "+old-primary-fenced master mymaster 10.0.0.1 6379 #lease-expired #epoch 1",
        ),
      );
    }
  }
  assert.ok(promoted_ms !== null);
  assert.ok(promoted_ms >= elected_ms + LEASE_WAIT_MS, `promoted at +${promoted_ms - elected_ms} ms`);
  assert.ok(promoted_ms < elected_ms + LEASE_WAIT_MS + 100);
});

void test("gate: voters that never granted, and an old own grant, need no wait", () => {
  const { effects } = electedWithRecentGrants(null);
  assert.ok(
    eventTexts(effects).includes("+old-primary-fenced master mymaster 10.0.0.1 6379 #lease-expired #epoch 1"),
  );
  assert.equal(commands(effects, "promote").length, 1);
});

void test("gate: a voter of an older version (no age) counts as granting at its reply", () => {
  const h = new Harness({ quorum: 1 });
  h.meetPeers();
  h.live(2000, true);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false);
  const effects: Effect[] = [];
  for (const from of PEERS) {
    effects.push(
      ...h.peer({ type: "vote_reply", from, master_name: "mymaster", epoch: 1, leader: ME, leader_epoch: 1 }),
    );
  }
  assert.ok(eventNames(effects).includes("+elected-leader"));
  assert.equal(commands(effects, "promote").length, 0);
});

// Promote-leases (lease.ts header). The hole they close: `npm run sim -- --seed 644 --verbose`
// before them. Leaders of epochs 1 and 2 were elected 200 ms apart (a voter that missed epoch 1
// voted for 2); both passed their gate (the old primary had exited) and promoted different
// replicas; the one promoted at epoch 1 held the lease its leader's promote command alone gave it
// after the other was promoted at epoch 2: two writable primaries.

/** A vote request; `manual` false on a healthy master: no vote, but we hear of the epoch. */
function voteFor(h: Harness, from: string, epoch: number, manual = true): Effect[] {
  return h.peer({
    type: "vote_request",
    from,
    master_name: "mymaster",
    master_address: PRIMARY,
    epoch,
    manual,
  });
}

void test("promote-lease: granted to the node promoted at a newer epoch until we vote for a newer one", () => {
  const h = healthy();
  const [b] = PEERS;
  const promoted = { address: R1, epoch: 1, promoted: true };
  assert.equal(ask(h, promoted).reason, "epoch-ahead", "an epoch we never heard of");
  voteFor(h, b, 1);
  const grant = ask(h, promoted);
  assert.deepEqual([grant.granted, grant.epoch, grant.config_epoch], [true, 1, 0], "it vouches for epoch 1");
  // Not promoted at that epoch (an old primary fenced at it holds it too): nothing.
  assert.equal(ask(h, { address: PRIMARY, epoch: 1 }).reason, "epoch-ahead");
  assert.equal(ask(h, { address: R2, epoch: 1 }).reason, "not-primary");
  // The vote for epoch 2 ends promote-leases of epoch 1 from us, and its reply says when we gave
  // the last one (the candidate waits that lease out).
  h.advance(100);
  const reply = sends(voteFor(h, b, 2)).find((m) => m.type === "vote_reply");
  assert.ok(reply?.type === "vote_reply" && reply.leader === b && reply.leader_epoch === 2);
  assert.equal(reply.promote_grant_age_ms, 100);
  assert.equal(ask(h, promoted).reason, "newer-vote");
  assert.equal(ask(h, { address: R2, epoch: 2, promoted: true }).granted, true, "the node of epoch 2");
});

void test("promote-lease: while one we granted may hold, our own primary gets no lease", () => {
  const h = healthy();
  const [b] = PEERS;
  voteFor(h, b, 1, false);
  assert.equal(ask(h).granted, true, "no vote given: our primary still gets its lease");
  assert.equal(ask(h, { address: R1, epoch: 1, promoted: true }).granted, true);
  h.live(200, true);
  assert.equal(ask(h).reason, "promote-pending");
  h.live(Math.ceil(leaseHoldMs({ ...SETTINGS, down_after_ms: 3000 })) - 200, true);
  // That lease has certainly run out, but the node may have acknowledged writes at epoch 1 that
  // our primary never saw: no lease at epoch 0 until an epoch of at least 1 is committed.
  assert.equal(ask(h).reason, "promote-superseded");
  h.live(60_000, true);
  assert.equal(ask(h).reason, "promote-superseded", "however long ago");
  const record = {
    master_name: "mymaster",
    config_epoch: 1,
    primary: PRIMARY,
    replicas: [R1],
    leader: PEERS[0],
  };
  h.input({ type: "topology_observed", now_ms: h.now_ms, record, revision: 2 });
  assert.equal(ask(h, { epoch: 1 }).granted, true, "epoch 1 committed (here, a reassert of our primary)");
});

void test("promote-lease: a grant's node and epoch outlive a restart (persisted before the grant leaves)", () => {
  const h = healthy();
  const [b] = PEERS;
  voteFor(h, b, 1, false);
  const effects = h.input({
    type: "lease_request",
    now_ms: h.now_ms,
    request: { ...REQUEST, address: R1, epoch: 1, promoted: true },
  });
  const types = effects.map((e) => e.type);
  assert.ok(types.indexOf("persist") >= 0 && types.indexOf("persist") < types.indexOf("lease_grant"));
  const persisted = snapshot(h.state).masters[0]?.promote_grant;
  assert.deepEqual(persisted, { epoch: 1, address: R1 });
  const renewal = h.input({
    type: "lease_request",
    now_ms: h.now_ms,
    request: { ...REQUEST, address: R1, epoch: 1, promoted: true, seq: 8 },
  });
  assert.ok(!renewal.some((e) => e.type === "persist"), "a renewal changes only the time");
  h.state = initAgent(config({ quorum: 1, down_after_ms: 3000 }), snapshot(h.state), h.now_ms);
  h.live(Math.ceil(leaseHoldMs({ ...SETTINGS, down_after_ms: 3000 })), true);
  assert.equal(ask(h).reason, "promote-superseded", "not forgotten by the restart");
});

void test("promote-lease: a restart's assumed grant binds only for its hold time", () => {
  const h = healthy();
  const [b] = PEERS;
  voteFor(h, b, 1, false); // current epoch 1, config epoch 0
  h.state = initAgent(config({ quorum: 1, down_after_ms: 3000 }), snapshot(h.state), h.now_ms);
  assert.equal(ask(h).reason, "promote-pending");
  h.live(Math.ceil(leaseHoldMs({ ...SETTINGS, down_after_ms: 3000 })), true);
  assert.equal(ask(h).granted, true, "the restart may have granted nothing: no reassert needed");
});

void test("promote-lease: once that node stops asking and no vote is pending, our primary is reasserted at a newer epoch", () => {
  const h = healthy();
  h.meetPeers();
  const [b] = PEERS;
  voteFor(h, b, 1, false);
  assert.equal(ask(h, { address: R1, epoch: 1, promoted: true }).granted, true);
  const effects: Effect[] = [];
  const started = h.now_ms;
  while (!eventNames(effects).includes("+try-failover")) {
    assert.ok(h.now_ms - started < 60_000, "no reassert within a minute");
    h.meetPeers();
    effects.push(...h.live(200, true));
  }
  assert.ok(h.now_ms - started >= leaseHoldMs({ ...SETTINGS, down_after_ms: 3000 }), "not while it may hold");
  assert.equal(commands(effects, "unfence").length, 0);
  const request = sends(effects).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && request.epoch === 2, "an epoch above the one leased");
});

void test("promote-lease: the vote reply leaves out grants to the candidate's old primary", () => {
  const h = healthy();
  const [b] = PEERS;
  // The primary itself, promoted again at epoch 1 (a reassert): its failover's gate covers it.
  voteFor(h, b, 1, false);
  assert.equal(ask(h, { address: PRIMARY, epoch: 1, promoted: true }).granted, true);
  const reply = sends(voteFor(h, b, 2)).find((m) => m.type === "vote_reply");
  assert.ok(reply?.type === "vote_reply");
  assert.equal(reply.promote_grant_age_ms, null);
});

/** Elected with both peers' votes, each having granted a promote-lease `age_ms` ago. */
const electedAfterPromoteGrants = (age_ms: number | null): ReturnType<typeof electedWithVoterGrants> =>
  // The old primary's own lease: long gone, the gate is open.
  electedWithVoterGrants(null, age_ms);

void test("a leader whose voters granted a promote-lease promotes nobody before it has certainly run out", () => {
  const { h, effects, elected_ms } = electedAfterPromoteGrants(0);
  assert.equal(commands(effects, "fence").length, 0, "nothing is fenced or promoted yet");
  assert.equal(commands(effects, "promote").length, 0);
  assert.ok(effects.some((e) => e.type === "wake"));
  let promoted_ms: number | null = null;
  for (let i = 0; i < 20 && promoted_ms === null; i += 1) {
    if (commands(h.advance(100), "promote").length > 0) promoted_ms = h.now_ms;
  }
  assert.ok(promoted_ms !== null);
  assert.ok(promoted_ms >= elected_ms + LEASE_WAIT_MS, `promoted at +${promoted_ms - elected_ms} ms`);
  assert.ok(promoted_ms < elected_ms + LEASE_WAIT_MS + 100);
});

void test("a single leader (no voter granted a promote-lease) promotes without that wait", () => {
  const { effects } = electedAfterPromoteGrants(null);
  assert.equal(commands(effects, "promote").length, 1);
});

void test("promote-lease: a restart with a current epoch ahead of the config counts as one just granted", () => {
  const h = healthy();
  const [b] = PEERS;
  voteFor(h, b, 1, false); // current epoch 1, config epoch 0
  h.state = initAgent(config({ quorum: 1, down_after_ms: 3000 }), snapshot(h.state), h.now_ms);
  assert.equal(ask(h).reason, "promote-pending", "it may have granted one before it stopped");
  const quiet = new Harness({ quorum: 1, down_after_ms: 3000 });
  quiet.state = initAgent(config({ quorum: 1, down_after_ms: 3000 }), snapshot(quiet.state), quiet.now_ms);
  assert.notEqual(ask(quiet).reason, "promote-pending", "current epoch = config epoch: none could be");
});
