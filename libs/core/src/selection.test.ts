import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCandidates, infoValidityMs, selectReplica } from "./selection.js";
import type { Candidate } from "./selection.js";
import { Harness, R1, R2, replicaInfo } from "./test-support.js";
import { addressKey, newLink } from "./state.js";
import type { RedisInfo } from "./types.js";

function candidate(over: Partial<Candidate>): Candidate {
  return { link: newLink(R1, 0), promoted_epoch: -1, priority: 100, offset: 0, run_id: "b", ...over };
}

void test("order: promoted first, then lowest priority, highest offset, smallest run id", () => {
  const sorted = (cs: Candidate[]): Candidate[] => [...cs].sort(compareCandidates);
  const low_prio = candidate({ priority: 10 });
  const high_offset = candidate({ offset: 999 });
  assert.equal(sorted([high_offset, low_prio])[0], low_prio);
  const small_id = candidate({ run_id: "a" });
  assert.equal(sorted([candidate({}), high_offset])[0], high_offset);
  assert.equal(sorted([candidate({}), small_id])[0], small_id);
  assert.equal(sorted([candidate({ run_id: null }), candidate({ run_id: "z" })])[0]?.run_id, "z");
  const promoted = candidate({ promoted_epoch: 3, priority: 100, offset: 0 });
  assert.equal(sorted([low_prio, promoted])[0], promoted);
});

function harnessWith(r1: Partial<RedisInfo>, r2: Partial<RedisInfo>): Harness {
  const h = new Harness();
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  for (const [address, over] of [
    [R1, r1],
    [R2, r2],
  ] as const) {
    const link = newLink(address, h.now_ms);
    link.info = replicaInfo(address, over);
    link.info_ms = h.now_ms;
    link.role_reported = "slave";
    master.replicas.set(addressKey(address), link);
  }
  return h;
}

void test("priority 0, SDOWN and stale INFO are skipped", () => {
  let h = harnessWith({ replica_priority: 0, slave_repl_offset: 5000 }, {});
  let master = h.state.masters.get("mymaster") ?? assert.fail();
  assert.deepEqual(selectReplica(h.state, master)?.address, R2);
  h = harnessWith({ slave_repl_offset: 5000 }, {});
  master = h.state.masters.get("mymaster") ?? assert.fail();
  assert.deepEqual(selectReplica(h.state, master)?.address, R1, "higher offset wins");
  const r1 = master.replicas.get(addressKey(R1)) ?? assert.fail();
  r1.sdown = true;
  assert.deepEqual(selectReplica(h.state, master)?.address, R2);
  r1.sdown = false;
  r1.info_ms = h.now_ms - 31_000; // 3 x info period (10 s) + 1 s
  assert.deepEqual(selectReplica(h.state, master)?.address, R2);
  const r2 = master.replicas.get(addressKey(R2)) ?? assert.fail();
  r2.link_down_since_ms = h.now_ms - 10 * 1000 - 1; // link down longer than 10 x down_after
  assert.equal(selectReplica(h.state, master), null);
});

void test("a replica last heard within INFO validity qualifies; older does not (sentinel.c last_avail_time)", () => {
  const h = harnessWith({ replica_priority: 50 }, {});
  // The agent's own timing: a PING every 100 ms at down-after 1000, so 5 PING periods are 500 ms.
  h.state = { ...h.state, timing: { ...h.state.timing, ping_period_ms: 100 } };
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  const r1 = master.replicas.get(addressKey(R1)) ?? assert.fail();
  master.link.sdown = true;
  master.link.sdown_since_ms = h.now_ms;
  // A leader that stalled for 800 ms: the last PONG is older than 5 PING periods, not stale.
  r1.last_avail_ms = h.now_ms - 800;
  assert.deepEqual(selectReplica(h.state, master)?.address, R1, "priority 50 still wins");
  r1.last_avail_ms = h.now_ms - infoValidityMs(h.state, master) - 1;
  assert.deepEqual(selectReplica(h.state, master)?.address, R2, "not heard of within validity: skipped");
});

void test("a replica whose data-node reports its data lost in a restart is never selected", () => {
  const h = harnessWith({ slave_repl_offset: 5000 }, {});
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  const r1 = master.replicas.get(addressKey(R1)) ?? assert.fail();
  assert.deepEqual(selectReplica(h.state, master)?.address, R1, "best by offset while its data is intact");
  r1.data_lost = true;
  assert.deepEqual(selectReplica(h.state, master)?.address, R2);
  const r2 = master.replicas.get(addressKey(R2)) ?? assert.fail();
  r2.data_lost = true;
  assert.equal(selectReplica(h.state, master), null);
});

void test("a master among the replicas is a candidate only when a promotion newer than the config made it", () => {
  // An old primary back as master (killed, restarted, its data-node cut from the bus): its role
  // would pass for a promotion no command ran (`npm run sim -- --seed 8708 --verbose` before).
  const h = harnessWith({ role: "master", master_repl_offset: 9000 }, {});
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  const r1 = master.replicas.get(addressKey(R1)) ?? assert.fail();
  r1.role_reported = "master";
  assert.deepEqual(selectReplica(h.state, master)?.address, R2, "unknown epoch: a stale master");
  r1.node_epoch = master.config_epoch;
  assert.deepEqual(selectReplica(h.state, master)?.address, R2, "the config's epoch: still stale");
  r1.node_epoch = master.config_epoch + 1;
  assert.deepEqual(selectReplica(h.state, master)?.address, R1, "promoted at a newer epoch: first");
});
