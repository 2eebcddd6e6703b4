import { test } from "node:test";
import assert from "node:assert/strict";
import { createMaster } from "./admin.js";
import {
  OFFSET_SAMPLES_MAX,
  lagOf,
  recordPrimaryOffset,
  referenceOf,
  withinLimits,
} from "./promotion-limit.js";
import { addressKey, newLink } from "./state.js";
import type { MasterState } from "./state.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  R2,
  SETTINGS,
  eventNames,
  eventTexts,
  masterInfo,
  replicaInfo,
} from "./test-support.js";
import type { Address, Effect, MasterSettings, RedisInfo } from "./types.js";

function primaryAt(offset: number, replid = "r1"): RedisInfo {
  return { ...masterInfo([]), master_repl_offset: offset, replid };
}

function masterWithReplica(offset: number, replid = "r1"): MasterState {
  const master = createMaster("m", PRIMARY, SETTINGS, 0);
  const link = newLink(R1, 0);
  link.info = replicaInfo(R1, { slave_repl_offset: offset, replid });
  link.info_ms = 0;
  master.replicas.set(addressKey(R1), link);
  return master;
}

function replicaLink(master: MasterState) {
  return master.replicas.get(addressKey(R1)) ?? assert.fail("no replica");
}

void test("lag in bytes and in ms from the primary's offset samples", () => {
  const master = masterWithReplica(1500);
  for (const [ms, offset] of [
    [1000, 1000],
    [2000, 1400],
    [3000, 1600],
    [4000, 2000],
  ] as const) {
    recordPrimaryOffset(master, PRIMARY, primaryAt(offset), ms);
  }
  const reference = referenceOf(master, null) ?? assert.fail("no reference");
  assert.deepEqual([reference.offset, reference.ms, reference.source], [2000, 4000, "info"]);
  // At 1500 it had everything the primary had at 2000 ms (1400), not what it had at 3000 ms.
  assert.deepEqual(lagOf(master, reference, replicaLink(master)), { bytes: 500, ms: 2000 });
  assert.equal(withinLimits({ bytes: 500, ms: 0 }, { bytes: 500, ms: 2000 }), true);
  assert.equal(withinLimits({ bytes: 499, ms: 0 }, { bytes: 500, ms: 2000 }), false);
  assert.equal(withinLimits({ bytes: 0, ms: 1999 }, { bytes: 500, ms: 2000 }), false);
  assert.equal(withinLimits({ bytes: 0, ms: 0 }, null), true, "limits off: anything goes");
  assert.equal(withinLimits({ bytes: 10, ms: 0 }, null), false, "an unknown lag is over a limit");
});

void test("a replica older than the whole history has an unknown lag in ms; bytes still count", () => {
  const master = masterWithReplica(10);
  for (let i = 0; i < OFFSET_SAMPLES_MAX + 5; i += 1) {
    recordPrimaryOffset(master, PRIMARY, primaryAt(100 + i), 1000 * i);
  }
  assert.equal(master.primary_offsets?.samples.length, OFFSET_SAMPLES_MAX, "the history is bounded");
  const reference = referenceOf(master, null) ?? assert.fail("no reference");
  const lag = lagOf(master, reference, replicaLink(master));
  assert.deepEqual(lag, { bytes: 100 + OFFSET_SAMPLES_MAX + 4 - 10, ms: null });
  assert.equal(withinLimits({ bytes: 0, ms: 1_000_000_000 }, lag), false);
  assert.equal(withinLimits({ bytes: 1_000_000, ms: 0 }, lag), true);
});

void test("a new replication id starts a new history; a replica of another history has no lag to tell", () => {
  const master = masterWithReplica(1500, "old");
  recordPrimaryOffset(master, PRIMARY, primaryAt(5000, "old"), 1000);
  recordPrimaryOffset(master, PRIMARY, primaryAt(20, "new"), 2000);
  assert.deepEqual(master.primary_offsets?.samples, [{ ms: 2000, offset: 20 }]);
  const reference = referenceOf(master, null) ?? assert.fail("no reference");
  assert.equal(reference.offset, 20, "the replica's offset of the old history is not a floor");
  assert.equal(lagOf(master, reference, replicaLink(master)), null);
});

void test("without any INFO of the primary, the best replica's offset is the floor", () => {
  const master = masterWithReplica(700);
  const other = newLink(R2, 0);
  other.info = replicaInfo(R2, { slave_repl_offset: 900 });
  master.replicas.set(addressKey(R2), other);
  const reference = referenceOf(master, null) ?? assert.fail("no reference");
  assert.deepEqual([reference.offset, reference.source], [900, "replicas"]);
  assert.deepEqual(lagOf(master, reference, replicaLink(master)), { bytes: 200, ms: null });
});

// --- The failover (one agent, quorum 1, two peers that vote for it) -----------------------------

/** Primary up for 2 s (its INFO says offset 1000), then down until this agent stands. */
function downAndStanding(settings: Partial<MasterSettings>): Harness {
  const h = new Harness({ quorum: 1, ...settings });
  h.meetPeers();
  h.live(2000, true);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false);
  assert.ok(h.state.masters.get("mymaster")?.failover, "a failover started");
  return h;
}

function setReplicaOffset(h: Harness, address: Address, offset: number, priority = 100): void {
  const link = h.state.masters.get("mymaster")?.replicas.get(addressKey(address)) ?? assert.fail();
  link.info = replicaInfo(address, { slave_repl_offset: offset, replica_priority: priority });
  link.info_ms = h.now_ms;
}

function votes(h: Harness, epoch: number): Effect[] {
  return PEERS.flatMap((from) =>
    h.peer({
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch,
      leader: ME,
      leader_epoch: epoch,
      lease_grant_age_ms: null,
    }),
  );
}

function promoteTarget(effects: readonly Effect[]): Address | null {
  const promote = effects.find((e) => e.type === "node_command" && e.command.type === "promote");
  return promote?.type === "node_command" ? promote.target : null;
}

void test("an automatic failover finding no replica within the limit aborts with its event, no promotion", () => {
  const h = downAndStanding({ max_promotion_lag_bytes: 50 });
  setReplicaOffset(h, R1, 900);
  setReplicaOffset(h, R2, 800);
  const effects = [...votes(h, 1), ...h.advance(500)];
  assert.equal(promoteTarget(effects), null);
  const texts = eventTexts(effects).filter((t) => t.startsWith("-failover-abort"));
  assert.deepEqual(texts, [
    `-failover-abort-lagging-slaves master mymaster ${PRIMARY.host} ${PRIMARY.port} #epoch 1 #lag-bytes 100 #lag-ms unknown`,
  ]);
  assert.ok(!eventNames(effects).includes("+selected-slave"));
  assert.equal(h.state.masters.get("mymaster")?.failover, null, "the failover ended");
});

void test("a lagging replica is skipped for one within the limit, whatever its priority", () => {
  const h = downAndStanding({ max_promotion_lag_bytes: 150 });
  setReplicaOffset(h, R1, 700, 1); // preferred by priority, 300 bytes behind
  setReplicaOffset(h, R2, 900, 100); // 100 bytes behind
  assert.deepEqual(promoteTarget([...votes(h, 1), ...h.advance(500)]), R2);
});

void test("with the limits off (default) the lagging replica is promoted as Sentinel would", () => {
  const h = downAndStanding({});
  setReplicaOffset(h, R1, 10, 1);
  setReplicaOffset(h, R2, 900, 100);
  assert.deepEqual(promoteTarget([...votes(h, 1), ...h.advance(500)]), R1);
});

/** Ticks `ms` answering every probe; the primary (when up) reports `offset(now)`. */
function liveWithOffsets(
  h: Harness,
  ms: number,
  primary_up: boolean,
  offset: (now_ms: number) => number,
): void {
  const end = h.now_ms + ms;
  while (h.now_ms < end) {
    h.now_ms += 100;
    if (primary_up && h.now_ms % 1000 === 0) {
      // The primary's data-node reports its INFO every second (report_interval_ms).
      const info = { ...masterInfo([R1, R2]), master_repl_offset: offset(h.now_ms) };
      const process = { state: "running" as const };
      const report = { node_id: "n1", address: PRIMARY, supervised: true, process, info, fenced: false };
      h.input({ type: "node_report", now_ms: h.now_ms, report: { ...report, epoch: 0, seq: h.now_ms } });
    }
    for (const e of h.input({ type: "tick", now_ms: h.now_ms })) {
      if (e.type !== "probe") continue;
      const is_primary = e.target.host === PRIMARY.host && e.target.port === PRIMARY.port;
      const result =
        is_primary && !primary_up
          ? { kind: e.kind, ok: false as const, error: "timeout" }
          : e.kind === "ping"
            ? { kind: "ping" as const, ok: true as const, reply: "PONG" as const }
            : {
                kind: "info" as const,
                ok: true as const,
                info: is_primary
                  ? { ...masterInfo([R1, R2]), master_repl_offset: offset(h.now_ms) }
                  : replicaInfo(e.target),
              };
      h.input({ type: "probe_result", now_ms: h.now_ms, probe_id: e.probe_id, target: e.target, result });
    }
  }
}

void test("a limit in ms: a replica stuck since an older primary offset is not promoted", () => {
  // The primary's offset grows by 100 a second; its data-node reports every second.
  const h = new Harness({ quorum: 1, max_promotion_lag_ms: 1500 });
  const start_ms = h.now_ms;
  const offset = (now_ms: number) => 1000 + Math.floor((now_ms - start_ms) / 10);
  h.meetPeers();
  liveWithOffsets(h, 5000, true, offset);
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  assert.ok((master.primary_offsets?.samples.length ?? 0) >= 2, "the primary's offsets were sampled");
  const last = master.primary_offsets?.samples.at(-1) ?? assert.fail();
  h.meetPeers(); // heard lately: alive, so this agent stands (failover.ts canWinElection)
  for (let i = 0; i < 30 && !master.failover; i += 1) liveWithOffsets(h, 100, false, offset);
  assert.ok(master.failover, "a failover started");
  setReplicaOffset(h, R1, last.offset - 300, 1); // first by priority; complete 3 s before the last sample
  setReplicaOffset(h, R2, last.offset - 5); // at most one sampling period behind
  const effects = [...votes(h, 1), ...h.advance(500)];
  assert.deepEqual(promoteTarget(effects), R2);
  const reference = referenceOf(master, master.failover) ?? assert.fail();
  const r1 = master.replicas.get(addressKey(R1)) ?? assert.fail();
  const lag = lagOf(master, reference, r1) ?? assert.fail();
  assert.ok(lag.ms !== null && lag.ms > 1500, `R1 is ${lag.ms} ms behind`);
});

/** A manual failover asked while the primary is down (not a switchover: nothing to fence). */
function manualFailover(h: Harness, force: boolean): Effect[] {
  return h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 7,
    command: { type: "failover", name: "mymaster", ...(force ? { force } : {}) },
  });
}

function adminReply(effects: readonly Effect[]) {
  const reply = effects.find((e) => e.type === "admin_reply");
  return reply?.type === "admin_reply" ? reply : assert.fail("no admin_reply");
}

/** Primary seen at offset 1000, then down (SDOWN) on an agent that cannot fail over alone. */
function primaryDown(settings: Partial<MasterSettings>): Harness {
  const h = new Harness({ quorum: 3, ...settings });
  h.meetPeers();
  h.live(2000, true);
  h.live(1500, false);
  assert.equal(h.state.masters.get("mymaster")?.link.sdown, true);
  assert.equal(h.state.masters.get("mymaster")?.failover, null);
  return h;
}

void test("a manual failover is refused up front when no replica is within the limit", () => {
  const h = primaryDown({ max_promotion_lag_bytes: 50 });
  setReplicaOffset(h, R1, 900);
  setReplicaOffset(h, R2, 800);
  const reply = adminReply(manualFailover(h, false));
  assert.equal(reply.ok, false);
  assert.equal(reply.code, "NOGOODSLAVE");
  assert.match(reply.message, /max-promotion-lag/);
  assert.equal(h.state.masters.get("mymaster")?.failover, null, "nothing started");
});

void test("a forced manual failover promotes the best lagging replica and says so", () => {
  const h = primaryDown({ max_promotion_lag_bytes: 50 });
  setReplicaOffset(h, R1, 900);
  setReplicaOffset(h, R2, 800);
  const reply = adminReply(manualFailover(h, true));
  assert.equal(reply.ok, true);
  const effects = [...votes(h, 1), ...h.advance(500)];
  assert.deepEqual(promoteTarget(effects), R1);
  const forced = eventTexts(effects).filter((t) => t.startsWith("+promotion-lag-forced"));
  assert.deepEqual(forced, [
    `+promotion-lag-forced slave ${R1.host}:${R1.port} ${R1.host} ${R1.port} @ mymaster ${PRIMARY.host} ${PRIMARY.port} #lag-bytes 100 #lag-ms unknown`,
  ]);
});

void test("SET refuses a negative limit and accepts 0 (off)", () => {
  const h = new Harness();
  const set = (value: number) =>
    adminReply(
      h.input({
        type: "admin",
        now_ms: h.now_ms,
        request_id: 1,
        command: { type: "set", name: "mymaster", settings: { max_promotion_lag_bytes: value } },
      }),
    );
  assert.equal(set(-1).ok, false);
  assert.equal(set(0).ok, true);
  assert.equal(set(1_048_576).ok, true);
  assert.equal(h.state.masters.get("mymaster")?.settings.max_promotion_lag_bytes, 1_048_576);
});

// --- The fenced offset (issue 13): a fence acknowledgement carries the old primary's final offset --

/** Elected for an automatic failover; the peers granted the old primary a lease just now. */
function electedWithFreshLease(settings: Partial<MasterSettings>): { h: Harness; fence: Effect } {
  const h = downAndStanding(settings);
  const effects = PEERS.flatMap((from) =>
    h.peer({
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch: 1,
      leader: ME,
      leader_epoch: 1,
      lease_grant_age_ms: 0,
    }),
  );
  const fence = effects.find((e) => e.type === "node_command" && e.command.type === "fence");
  assert.ok(fence !== undefined, "the gate fences the old primary");
  assert.equal(promoteTarget(effects), null, "the lease holds the promotion");
  return { h, fence };
}

function fenceAck(h: Harness, fence: Effect, offset: number): Effect[] {
  assert.ok(fence.type === "node_command");
  return h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: fence.command_id,
    result: { ok: true, role: "master", offset, fenced: true },
  });
}

/** Answers the INFO probes of `replica` among `effects` with `offset`. */
function replicaAt(h: Harness, effects: readonly Effect[], replica: Address, offset: number): Effect[] {
  const out: Effect[] = [];
  for (const e of effects) {
    if (e.type !== "probe" || e.kind !== "info" || addressKey(e.target) !== addressKey(replica)) continue;
    const info = replicaInfo(replica, { slave_repl_offset: offset });
    out.push(
      ...h.input({
        type: "probe_result",
        now_ms: h.now_ms,
        probe_id: e.probe_id,
        target: e.target,
        result: { kind: "info", ok: true, info },
      }),
    );
  }
  return out;
}

void test("fenced at a higher offset: the replica streaming from it catches up before it is promoted", () => {
  const { h, fence } = electedWithFreshLease({});
  const acked = fenceAck(h, fence, 1200); // the replicas are at 900, streaming from it
  assert.deepEqual(
    eventTexts(acked).filter((t) => t.includes("wait-catchup")),
    [
      `+failover-state-wait-catchup slave ${R1.host}:${R1.port} ${R1.host} ${R1.port} @ mymaster ${PRIMARY.host} ${PRIMARY.port} #offset 1200`,
    ],
  );
  assert.equal(promoteTarget(acked), null, "not promoted behind the fenced offset");
  const behind = replicaAt(h, acked, R1, 1100);
  assert.equal(promoteTarget([...behind, ...h.advance(100)]), null);
  const polled = h.log.slice(-20);
  const caught_up = replicaAt(h, polled, R1, 1200);
  assert.deepEqual(promoteTarget([...caught_up, ...h.advance(100)]), R1);
});

void test("fenced, the replica does not catch up in time: the limit decides, and an abort unfences", () => {
  const { h, fence } = electedWithFreshLease({ max_promotion_lag_bytes: 100 });
  const acked = fenceAck(h, fence, 1200);
  assert.ok(eventNames(acked).includes("+failover-state-wait-catchup"));
  const effects = h.advance(3000); // switchover timeout: max(down-after, 4 INFO periods) = 4 s from the ack
  const later = [...effects, ...h.advance(2000)];
  assert.equal(promoteTarget(later), null);
  const aborts = eventTexts(later).filter((t) => t.startsWith("-failover-abort"));
  assert.deepEqual(aborts, [
    `-failover-abort-lagging-slaves master mymaster ${PRIMARY.host} ${PRIMARY.port} #epoch 1 #lag-bytes 300 #lag-ms unknown`,
  ]);
  const unfence = later.find((e) => e.type === "node_command" && e.command.type === "unfence");
  assert.ok(unfence?.type === "node_command" && unfence.epoch === 1, "the fence of this failover is lifted");
  assert.deepEqual(unfence.target, PRIMARY);
});

void test("fenced, the replica does not catch up in time and no limit is set: promoted after the bound", () => {
  const { h, fence } = electedWithFreshLease({});
  fenceAck(h, fence, 1200);
  assert.equal(promoteTarget(h.advance(3000)), null, "still waiting within the bound");
  assert.deepEqual(promoteTarget(h.advance(2000)), R1);
});

void test("a switchover (primary reachable) is not held back by the limits: it fences and waits for the catch-up", () => {
  const h = new Harness({ quorum: 2, max_promotion_lag_bytes: 50 });
  h.meetPeers();
  h.live(2000, true); // the primary answers: INFO offset 1000, replicas at 900 (100 behind)
  const reply = adminReply(manualFailover(h, false));
  assert.equal(reply.ok, true, reply.message);
  const effects = votes(h, 1);
  const names = eventNames(effects);
  assert.ok(names.includes("+failover-state-fence-old-master"), names.join(" "));
  assert.ok(!names.some((n) => n.startsWith("-failover-abort")), names.join(" "));
});
