// The vip-manager service across real network namespaces: h1..h3 each run a vip-manager with the
// built-in VIP, h4 runs nats-server and a writer that commits TopologyRecords as the leading
// agent would (compare-and-set), c1 is the client. Every 10.x packet stays inside the lab.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { waitForTcpReply } from "@sentinel-plane/testkit/netns";
import { MASTER, TCP_PORT, VipLab } from "./testing/vip-lab.js";

const SUBNET = "10.79.0";
const VIP = `${SUBNET}.50`;
const LEASE_MS = 2000;
const RECONCILE_INTERVAL_MS = 250;
/** Safety deadline for anything the managers do after a commit (a loaded 2-core machine). */
const STEP_TIMEOUT_MS = 15_000;
const HOSTS = ["h1", "h2", "h3"] as const;

let lab: VipLab;

async function reachedThroughVip(expected: string): Promise<string | null> {
  return waitForTcpReply(lab.lab, "c1", { host: VIP, port: TCP_PORT }, expected, 5_000);
}

/** Waits until every manager logged its VIP decision for the epoch. */
async function settled(config_epoch: number, holder: string): Promise<void> {
  for (const host of HOSTS) {
    const event = host === holder ? "vip_hold" : "vip_release";
    await lab.waitForLog(host, { event, config_epoch }, STEP_TIMEOUT_MS);
  }
}

before(async () => {
  lab = await VipLab.create({
    data_hosts: 3,
    subnet: SUBNET,
    config: () => ({
      vips: [{ master_name: MASTER, vip: VIP, prefix_length: 24, interface: "eth0" }],
      lease_ms: LEASE_MS,
      reconcile_interval_ms: RECONCILE_INTERVAL_MS,
    }),
  });
  for (const host of HOSTS) await lab.startManager(host);
});

after(async () => {
  await lab.teardown();
});

void describe("vip-manager following the committed topology (namespaces)", () => {
  void it("a record naming h1 puts the VIP on h1 only, and c1 reaches h1 through it", async () => {
    await lab.commit({ config_epoch: 1, primary_host: "h1" });
    await settled(1, "h1");
    assert.deepEqual(await lab.holders(VIP), ["h1"]);
    assert.equal(await reachedThroughVip("h1"), "h1");
  });

  void it("a record naming h2 moves the VIP; c1 follows; exactly one holder", async () => {
    await lab.commit({ config_epoch: 2, primary_host: "h2" });
    await settled(2, "h2");
    await lab.waitForLog(
      "h1",
      { event: "vip_release", config_epoch: 2, action: "released" },
      STEP_TIMEOUT_MS,
    );
    assert.deepEqual(await lab.holders(VIP), ["h2"]);
    assert.equal(await reachedThroughVip("h2"), "h2");
    assert.equal(await lab.lab.neighborMac("c1", VIP), await lab.lab.mac("h2"), "gratuitous ARP reached c1");
  });

  void it("h1 comes back with a stale VIP: it reconciles from the record and drops it", async () => {
    await lab.signalManager("h1", "SIGKILL");
    // What an old primary's host may come back with (a script or a crash left the address).
    await lab.lab.execChecked("h1", ["ip", "addr", "add", `${VIP}/24`, "dev", "eth0"]);
    // (Seen once under load average 12: h1 without the address here; the message keeps h1's log.)
    assert.deepEqual(await lab.holders(VIP), ["h1", "h2"], lab.manager("h1").output().slice(-2000));
    await lab.startManager("h1");
    await lab.waitForLog(
      "h1",
      { event: "vip_release", config_epoch: 2, action: "released" },
      STEP_TIMEOUT_MS,
    );
    assert.deepEqual(await lab.holders(VIP), ["h2"]);
    assert.equal(await reachedThroughVip("h2"), "h2");
  });

  void it("a record with an older epoch does not take the VIP back", async () => {
    // A stale writer naming h1 again with epoch 1 (CAS on the current revision succeeds).
    await lab.commit({ config_epoch: 1, primary_host: "h1" });
    for (const host of HOSTS) {
      await lab.waitForLog(
        host,
        { event: "record_ignored", config_epoch: 1, reason: "stale_epoch" },
        STEP_TIMEOUT_MS,
      );
    }
    // A newer record for h2: every manager handles inputs in order, so once its decision for
    // epoch 3 is logged, anything the stale record caused would have been logged before it.
    await lab.commit({ config_epoch: 3, primary_host: "h2" });
    await settled(3, "h2");
    // (h1's manager was restarted after epoch 2: none of these processes ever held for epoch 1.)
    for (const host of HOSTS)
      assert.equal(lab.hasLog(host, { event: "vip_hold", config_epoch: 1 }), false, host);
    assert.deepEqual(await lab.holders(VIP), ["h2"]);
    assert.equal(await reachedThroughVip("h2"), "h2");
  });

  void it("the holder h2 cut off releases the VIP when its lease runs out; after heal one holder", async (t) => {
    const cut_ms = performance.now();
    await lab.lab.cut("h2");
    await lab.waitForLog(
      "h2",
      { event: "vip_release", reason: "control_plane_lease_expired", action: "released" },
      STEP_TIMEOUT_MS,
    );
    // How soon is a timing goal (lease plus one reconcile interval on a quiet host), not checked
    // here: on a loaded 2-core host it ran 3.9 s. The test checks the order (released, then
    // another host takes the VIP) and reports the delay.
    t.diagnostic(
      `released ${Math.round(performance.now() - cut_ms)} ms after the cut (lease ${LEASE_MS} ms, reconcile every ${RECONCILE_INTERVAL_MS} ms)`,
    );
    assert.equal(await lab.holds("h2", VIP), false, "checked inside h2");
    assert.ok(lab.hasLog("h2", { event: "control_plane_lost" }));

    // The failover the agents would do meanwhile: h3 becomes the primary.
    await lab.commit({ config_epoch: 4, primary_host: "h3" });
    await lab.waitForLog("h3", { event: "vip_hold", config_epoch: 4, action: "bound" }, STEP_TIMEOUT_MS);
    await lab.waitForLog("h1", { event: "vip_release", config_epoch: 4 }, STEP_TIMEOUT_MS);
    assert.deepEqual(await lab.holders(VIP), ["h3"]);
    assert.equal(await reachedThroughVip("h3"), "h3");

    await lab.lab.heal("h2");
    await lab.waitForLog("h2", { event: "control_plane_restored" }, STEP_TIMEOUT_MS);
    await lab.waitForLog(
      "h2",
      { event: "vip_release", config_epoch: 4, reason: "primary_elsewhere" },
      STEP_TIMEOUT_MS,
    );
    assert.deepEqual(await lab.holders(VIP), ["h3"]);
    assert.equal(await reachedThroughVip("h3"), "h3");
  });

  void it("a clean stop (SIGTERM) of the holder's manager keeps the VIP", async () => {
    const exit = await lab.signalManager("h3", "SIGTERM");
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(lab.hasLog("h3", { event: "vips_kept" }));
    assert.deepEqual(await lab.holders(VIP), ["h3"]);
    assert.equal(await reachedThroughVip("h3"), "h3");
  });

  void it("SIGKILL of the holder's manager: the new primary's manager binds only once the old address is gone", async (t) => {
    // Epoch 4 names h3: its manager renews the VIP (or binds it, if the kept one has expired).
    await lab.startManager("h3");
    await lab.waitForLog("h3", { event: "vip_hold", config_epoch: 4 }, STEP_TIMEOUT_MS);
    await lab.signalManager("h3", "SIGKILL");
    const killed_ms = performance.now();
    // The agents fail over to h1 at once; h3's address lives on until its kernel lifetime ends.
    await lab.commit({ config_epoch: 5, primary_host: "h1" });
    await lab.waitForLog("h1", { event: "vip_wait", config_epoch: 5, probe: "answered" }, STEP_TIMEOUT_MS);
    // h1 sampled before h3: h3's address can only go away, so h3 holding after h1 did means both
    // held it at h1's sample.
    for (;;) {
      const on_h1 = await lab.holds("h1", VIP);
      const on_h3 = await lab.holds("h3", VIP);
      assert.ok(!(on_h1 && on_h3), "h1 and h3 held the VIP at once");
      if (on_h1) break;
      assert.ok(performance.now() - killed_ms < STEP_TIMEOUT_MS, "h1 never bound the VIP");
    }
    const bound_ms = Math.round(performance.now() - killed_ms);
    await lab.waitForLog("h1", { event: "vip_hold", config_epoch: 5, action: "bound" }, STEP_TIMEOUT_MS);
    t.diagnostic(`h1 bound ${bound_ms} ms after h3's manager was killed (address lifetime 2 s)`);
    assert.deepEqual(await lab.holders(VIP), ["h1"]);
    assert.equal(await reachedThroughVip("h1"), "h1");
  });

  void it("a static address elsewhere answering for the VIP: no bind, SP_ERR_VIP_ADDRESS_IN_USE, bound once it goes", async () => {
    // The NATS host plays a misconfigured host with the VIP as a static (forever) address.
    const other = lab.nats_host;
    const cidr = `${VIP}/24`;
    await lab.lab.execChecked(other, ["ip", "addr", "add", cidr, "dev", lab.lab.node(other).ifname]);
    await lab.commit({ config_epoch: 6, primary_host: "h2" });
    await lab.waitForLog(
      "h1",
      { event: "vip_release", config_epoch: 6, action: "released" },
      STEP_TIMEOUT_MS,
    );
    // Past the old holder's longest life (lease + interval + lifetime + the kernel's check, 5.25 s).
    await lab.waitForLog(
      "h2",
      { event: "vip_address_in_use", code: "SP_ERR_VIP_ADDRESS_IN_USE", config_epoch: 6 },
      STEP_TIMEOUT_MS,
    );
    assert.equal(lab.hasLog("h2", { event: "vip_hold", config_epoch: 6 }), false, "never bound meanwhile");
    assert.deepEqual(await lab.holders(VIP), [], "no data host holds it");
    await lab.lab.execChecked(other, ["ip", "addr", "del", cidr, "dev", lab.lab.node(other).ifname]);
    await lab.waitForLog("h2", { event: "vip_hold", config_epoch: 6, action: "bound" }, STEP_TIMEOUT_MS);
    assert.deepEqual(await lab.holders(VIP), ["h2"]);
    assert.equal(await reachedThroughVip("h2"), "h2");
  });
});
