// The primary's host cut off (issue 7), with the real control plane on namespace hosts: h1..h3
// run redis-server (supervised by a data-node), a sentinel-agent and a vip-manager with the
// built-in VIP; nats-server lives on h4, so the cut host is the minority; c1 writes through the
// VIP. Every 10.x packet stays inside the lab.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NetnsCluster, wallClock_ms } from "@sentinel-plane/testkit/netns-cluster";
import type { NetnsDataHost, VipClient } from "@sentinel-plane/testkit/netns-cluster";

const SUBNET = "10.82.0";
const VIP = `${SUBNET}.50`;
const LEASE_MS = 2000;
const RECONCILE_INTERVAL_MS = 250;
/** Lease, one interval to notice, and an allowance for a loaded 2-core machine. */
const RELEASE_DEADLINE_MS = LEASE_MS + RECONCILE_INTERVAL_MS + 1500;
const STEP_TIMEOUT_MS = 20_000;
const CLIENT_TIMINGS = {
  interval_ms: 5,
  connect_timeout_ms: 100,
  reply_timeout_ms: 200,
  run_max_ms: 120_000,
};

/** Null until before() succeeded (NetnsCluster.start removes what it built when it fails). */
let started: { readonly cluster: NetnsCluster; readonly client: VipClient } | null = null;
let promoted: NetnsDataHost | null = null;

before(async () => {
  const cluster = await NetnsCluster.start({
    subnet: SUBNET,
    down_after_ms: 1000,
    failover_timeout_ms: 10_000,
    vip: {
      address: VIP,
      prefix_length: 24,
      lease_ms: LEASE_MS,
      reconcile_interval_ms: RECONCILE_INTERVAL_MS,
      kv_timeout_ms: 500,
    },
  });
  try {
    await cluster.ready(STEP_TIMEOUT_MS);
    started = { cluster, client: await cluster.startClient(VIP, CLIENT_TIMINGS, STEP_TIMEOUT_MS) };
  } catch (error) {
    await cluster.teardown();
    throw error;
  }
});

after(async () => {
  await started?.cluster.teardown();
});

function lab(): { readonly cluster: NetnsCluster; readonly client: VipClient } {
  assert.ok(started !== null, "the cluster did not start");
  return started;
}

void describe("the primary's host cut off (link down)", () => {
  void it("the majority fails over, the isolated host drops the VIP within its lease, c1 follows the VIP", async () => {
    const { cluster, client } = lab();
    const old = cluster.initial_primary;
    assert.deepEqual(await cluster.holders(VIP), [old.name]);
    const old_run_id = await cluster.redisInfoField(old.name, "run_id");
    await client.waitForAck((ack) => ack.run_id === old_run_id, STEP_TIMEOUT_MS);

    const mark = cluster.mark();
    assert.ok(old.vip_manager !== null);
    const old_vip_log = cluster.logOf(old.vip_manager);
    const vip_mark = old_vip_log.lines.length;
    const cut_ms = wallClock_ms();
    await cluster.lab.cut(old.name);
    const cut_done_ms = wallClock_ms();
    // Both awaited together: whichever comes first, neither rejection goes unhandled.
    const [released_ms, switched] = await Promise.all([
      old_vip_log
        .waitFor(
          (l) =>
            l["event"] === "vip_release" &&
            l["reason"] === "control_plane_lease_expired" &&
            l["action"] === "released",
          STEP_TIMEOUT_MS,
          vip_mark,
        )
        .then(() => wallClock_ms()),
      cluster.waitForEvent((e) => e.name === "+switch-master", {
        timeout_ms: STEP_TIMEOUT_MS,
        since_index: mark,
      }),
    ]);
    const next = cluster.switchedTo(switched.event);
    assert.notEqual(next.name, old.name);
    promoted = next;
    // The cut host's agent is a minority: it never led a failover.
    const leaders = cluster.named("+elected-leader", mark).map((e) => e.event.agent);
    assert.ok(leaders.length > 0 && !leaders.includes(old.myid), `leaders: ${leaders.join(", ")}`);

    // Seen by the test (an upper bound of when it happened).
    const released_after_ms = released_ms - cut_ms;
    assert.ok(
      released_after_ms <= RELEASE_DEADLINE_MS,
      `released ${Math.round(released_after_ms)} ms after the cut`,
    );
    assert.equal(await cluster.holds(old.name, VIP), false, "checked inside the cut host");

    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    const resumed = await client.waitForAck(
      (ack) => ack.t_ms > cut_ms && ack.run_id === next_run_id,
      STEP_TIMEOUT_MS,
    );
    assert.deepEqual(await cluster.holders(VIP), [next.name], "exactly one holder, asked on every host");
    assert.equal(
      (await cluster.redisCli(next.name, ["GET", `vip:${resumed.seq}`])).trim(),
      String(resumed.seq),
    );
    const late = client.acks().filter((ack) => ack.t_ms > cut_done_ms && ack.run_id === old_run_id);
    assert.deepEqual(
      late,
      [],
      `the isolated primary acknowledged writes after the cut (done at ${cut_done_ms})`,
    );
  });

  void it("after healing, the old host rejoins as a replica and exactly one host holds the VIP", async () => {
    const { cluster, client } = lab();
    const old = cluster.initial_primary;
    const next = promoted;
    assert.ok(next !== null, "needs the failover of the previous test");
    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    const mark = cluster.mark();
    assert.ok(old.vip_manager !== null);
    const old_vip_log = cluster.logOf(old.vip_manager);
    const vip_mark = old_vip_log.lines.length;
    await cluster.lab.heal(old.name);
    await old_vip_log.waitFor((l) => l["event"] === "control_plane_restored", STEP_TIMEOUT_MS, vip_mark);
    // Back in contact, it decides from the committed record: the primary is elsewhere.
    await old_vip_log.waitFor(
      (l) => l["event"] === "vip_release" && l["reason"] === "primary_elsewhere",
      STEP_TIMEOUT_MS,
      vip_mark,
    );
    await cluster.waitForEvent((e) => e.name === "+convert-to-slave" && e.text.includes(` ${old.address} `), {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const healed_ms = wallClock_ms();
    // An observation window, not a synchronisation: a whole lease of acknowledged writes.
    const window_end = await client.waitForAck((ack) => ack.t_ms > healed_ms + LEASE_MS, STEP_TIMEOUT_MS);
    const since = client.acks().filter((ack) => ack.t_ms > healed_ms && ack.seq <= window_end.seq);
    assert.deepEqual([...new Set(since.map((ack) => ack.run_id))], [next_run_id]);
    assert.deepEqual(await cluster.holders(VIP), [next.name]);
  });
});
