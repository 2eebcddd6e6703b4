// The VIP with the real control plane (issue 7), on namespace hosts: h1..h3 each run redis-server
// (supervised by its data-node), a sentinel-agent and a vip-manager with the built-in VIP; h4
// runs nats-server; c1 writes through the VIP. Every 10.x packet stays inside the lab.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { NetnsCluster } from "@sentinel-plane/testkit/netns-cluster";
import type { NetnsDataHost, VipClient } from "@sentinel-plane/testkit/netns-cluster";

const SUBNET = "10.81.0";
const VIP = `${SUBNET}.50`;
const LEASE_MS = 2000;
const RECONCILE_INTERVAL_MS = 250;
/** Safety deadline for each step on a loaded 2-core machine (not a timing assertion). */
const STEP_TIMEOUT_MS = 20_000;
const CLIENT_TIMINGS = {
  interval_ms: 5,
  connect_timeout_ms: 100,
  reply_timeout_ms: 200,
  run_max_ms: 120_000,
};

/** Null until before() succeeded (NetnsCluster.start removes what it built when it fails). */
let started: { readonly cluster: NetnsCluster; readonly client: VipClient } | null = null;
/** Set by the first test: where the failover put the primary. */
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

void describe("the built-in VIP follows a real failover", () => {
  void it("SIGKILL of the primary: the VIP moves to the new primary's host, c1 resumes writing, one holder", async () => {
    const { cluster, client } = lab();
    const old = cluster.initial_primary;
    assert.deepEqual(await cluster.holders(VIP), [old.name]);
    const old_run_id = await cluster.redisInfoField(old.name, "run_id");
    await client.waitForAck((ack) => ack.run_id === old_run_id, STEP_TIMEOUT_MS);

    const mark = cluster.mark();
    assert.ok(old.vip_manager !== null);
    const old_vip_log = cluster.logOf(old.vip_manager);
    const vip_mark = old_vip_log.lines.length;
    const killed = await cluster.killRedis(old.name);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const next = cluster.switchedTo(switched.event);
    assert.notEqual(next.name, old.name);
    promoted = next;
    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    assert.ok(next_run_id !== null);

    const resumed = await client.waitForAck(
      (ack) => ack.t_ms > killed.t_ms && ack.run_id === next_run_id,
      STEP_TIMEOUT_MS,
    );
    // The old host lets the VIP go, for the committed record of the failover.
    await old_vip_log.waitFor(
      (l) =>
        l["event"] === "vip_release" && l["action"] === "released" && l["reason"] === "primary_elsewhere",
      STEP_TIMEOUT_MS,
      vip_mark,
    );
    assert.deepEqual(await cluster.holders(VIP), [next.name], "exactly one holder, asked on every host");
    // The write acknowledged through the VIP is on the new primary.
    assert.equal(
      (await cluster.redisCli(next.name, ["GET", `vip:${resumed.seq}`])).trim(),
      String(resumed.seq),
    );
    const last = client.lastAckBefore(killed.t_ms);
    process.stdout.write(
      `# write outage through the VIP: ${Math.round(resumed.t_ms - killed.t_ms)} ms after SIGKILL ` +
        `(gap between acknowledged writes ${Math.round(resumed.t_ms - (last?.t_ms ?? killed.t_ms))} ms; ` +
        `first +switch-master ${Math.round(switched.t_ms - killed.t_ms)} ms)\n`,
    );
  });

  void it("the old primary's host returns: its Redis replicates the new primary and the VIP stays", async () => {
    const { cluster, client } = lab();
    const old = cluster.initial_primary;
    const next = promoted;
    assert.ok(next !== null, "needs the failover of the previous test");
    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    await cluster.restartDataNode(old.name);
    // It comes back as the new primary's replica: started with --replicaof by its data-node's
    // restart plan (it crashed as a master and another primary is committed), or started as
    // configured and converted by the agents (+convert-to-slave), depending on whether its
    // data-node had restarted it before this restart. Polled: replication state has no event.
    const replicating_ms = await pollUntil(
      async () =>
        (await cluster.redisInfoField(old.name, "role")) === "slave" &&
        (await cluster.redisInfoField(old.name, "master_host")) === next.address,
      STEP_TIMEOUT_MS,
    );
    // An observation window, not a synchronisation: writes keep being acknowledged for a whole
    // lease (8 reconcile intervals of every vip-manager) after the old primary is back.
    const window_end = await client.waitForAck(
      (ack) => ack.t_ms > replicating_ms + LEASE_MS,
      STEP_TIMEOUT_MS,
    );
    const since_back = client.acks().filter((ack) => ack.t_ms > replicating_ms && ack.seq <= window_end.seq);
    assert.ok(since_back.length > 0);
    assert.deepEqual(
      [...new Set(since_back.map((ack) => ack.run_id))],
      [next_run_id],
      "only the new primary took writes",
    );
    assert.deepEqual(await cluster.holders(VIP), [next.name]);
    assert.ok(old.vip_manager !== null);
    const decisions = cluster
      .logOf(old.vip_manager)
      .lines.filter((l) => l["event"] === "vip_hold" || l["event"] === "vip_release");
    assert.equal(decisions.at(-1)?.["event"], "vip_release", "the old host's last decision is to release");
    assert.deepEqual(
      decisions.filter((l) => l["event"] === "vip_hold" && Number(l["config_epoch"]) > 0),
      [],
      "the old host never held the VIP after the failover",
    );
  });
});

/** Polls a condition with a deadline; returns the wall-clock time it first held. */
async function pollUntil(check: () => Promise<boolean>, timeout_ms: number): Promise<number> {
  const until_ms = performance.now() + timeout_ms;
  for (;;) {
    if (await check()) return performance.timeOrigin + performance.now();
    assert.ok(performance.now() < until_ms, "condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
