// VipController across real network namespaces: h1 and h2 (data hosts) and c1 (client) on a
// bridge. All traffic to the lab's 10.x addresses starts inside c1.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { NetnsLab } from "@sentinel-plane/testkit/netns";
import {
  createNetnsLab,
  listNetns,
  tcpReplyServerArgv,
  waitForTcpReply,
} from "@sentinel-plane/testkit/netns";
import type { VipConfig } from "@sentinel-plane/vip-shell";
import { VipController } from "./vip-controller.js";

const PORT = 7000;
let lab: NetnsLab;
let vip: VipConfig;
const controllers = new Map<string, VipController>();

function controller(host: string): VipController {
  const found = controllers.get(host);
  assert.ok(found !== undefined);
  return found;
}

/** Hosts whose interface carries the VIP, asked on every host. */
async function holders(): Promise<string[]> {
  const held: string[] = [];
  for (const host of lab.hosts) if (await controller(host.name).check()) held.push(host.name);
  return held;
}

async function vipEntries(host: string): Promise<number> {
  return (await vipLifetimes(host)).length;
}

/** valid_life_time of each VIP entry on the host's interface, read without the controller. */
async function vipLifetimes(host: string): Promise<number[]> {
  const node = lab.node(host);
  const shown = await lab.execChecked(host, ["ip", "-j", "addr", "show", "dev", node.ifname]);
  const links = JSON.parse(shown.stdout) as { addr_info: { local: string; valid_life_time: number }[] }[];
  return links
    .flatMap((link) => link.addr_info)
    .filter((entry) => entry.local === vip.vip)
    .map((entry) => entry.valid_life_time);
}

const FOREVER = 4294967295;

before(async () => {
  lab = await createNetnsLab({ hosts: 2, clients: 1, subnet: "10.77.0" });
  vip = { master_name: "mymaster", vip: "10.77.0.50", prefix_length: 24, interface: "eth0" };
  for (const host of lab.hosts) {
    controllers.set(host.name, new VipController(vip, { command_prefix: lab.execPrefix(host.name) }));
    const server = lab.spawn(host.name, tcpReplyServerArgv(PORT, host.name));
    await server.waitForOutput(/ready/, 10_000);
  }
});

after(async () => {
  for (const vip_controller of controllers.values()) await vip_controller.close();
  const names = lab.netns_names;
  await lab.teardown();
  const listed = await listNetns();
  assert.deepEqual(
    names.filter((name) => listed.includes(name)),
    [],
  );
});

void describe("VipController in network namespaces", () => {
  void it("nobody holds the VIP at first and c1 gets no answer", async () => {
    assert.deepEqual(await holders(), []);
    const reply = await waitForTcpReply(lab, "c1", { host: vip.vip, port: PORT }, "none", 0, 300);
    assert.equal(reply, null);
  });

  void it("hold() on h1: c1 reaches h1 through the VIP; holding twice keeps one address", async () => {
    await controller("h1").hold();
    assert.equal(await waitForTcpReply(lab, "c1", { host: vip.vip, port: PORT }, "h1", 3_000), "h1");
    await controller("h1").hold();
    assert.equal(await vipEntries("h1"), 1);
    assert.deepEqual(await holders(), ["h1"]);
    assert.equal(await lab.neighborMac("c1", vip.vip), await lab.mac("h1"));
    assert.equal(await controller("h1").reconcile("hold"), "already_bound");
  });

  void it("release() where the VIP is not bound is done, not an error", async () => {
    assert.deepEqual(await controller("h2").release(), { removed: false });
    assert.deepEqual(await holders(), ["h1"]);
  });

  void it("moves to h2: release on h1, hold on h2; c1's gratuitous-ARP-updated entry points at h2", async () => {
    const h1_arping = controller("h1").lastArpingExit();
    assert.deepEqual(await controller("h1").release(), { removed: true });
    const h1_exit = await h1_arping;
    assert.ok(h1_exit !== null);
    await controller("h2").hold();
    // c1 still has h1's MAC cached: only the gratuitous ARP can switch it within this deadline
    // (without it, clients kept the old MAC for 45-53 s here).
    assert.equal(await waitForTcpReply(lab, "c1", { host: vip.vip, port: PORT }, "h2", 3_000), "h2");
    assert.equal(await lab.neighborMac("c1", vip.vip), await lab.mac("h2"));
    assert.deepEqual(await holders(), ["h2"]);
    const arping = await controller("h2").lastArpingExit();
    assert.equal(arping?.exit_code, 0, "arping sent its gratuitous ARPs");
  });

  void it("releasing twice is idempotent and leaves no holder", async () => {
    assert.deepEqual(await controller("h2").release(), { removed: true });
    assert.deepEqual(await controller("h2").release(), { removed: false });
    assert.deepEqual(await holders(), []);
    for (const host of lab.hosts) assert.equal(await vipEntries(host.name), 0);
  });

  void it("reconcile binds a missing VIP and releases it", async () => {
    assert.equal(await controller("h1").reconcile("hold"), "bound");
    assert.deepEqual(await holders(), ["h1"]);
    assert.equal(await controller("h1").reconcile("release"), "released");
    assert.deepEqual(await holders(), []);
  });

  void it("with lifetime_s the kernel removes the VIP by itself once renewals stop", async () => {
    const LIFETIME_S = 2;
    const leased = new VipController(vip, { command_prefix: lab.execPrefix("h1"), lifetime_s: LIFETIME_S });
    try {
      assert.equal(await leased.reconcile("hold"), "bound");
      const [bound_lifetime] = await vipLifetimes("h1");
      assert.ok(bound_lifetime !== undefined && bound_lifetime <= LIFETIME_S, `lifetime ${bound_lifetime}`);
      // Renewing (as the reconcile tick does) keeps it well past one lifetime.
      const renew_until = Date.now() + (LIFETIME_S + 1) * 1000;
      while (Date.now() < renew_until) {
        assert.equal(await leased.reconcile("hold"), "already_bound");
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(await holders(), ["h1"]);
      // Renewals stop (a SIGKILLed manager): no command runs, the address must vanish.
      const stopped_ms = Date.now();
      const deadline_ms = stopped_ms + LIFETIME_S * 1000 + 3_000;
      while ((await vipEntries("h1")) > 0) {
        assert.ok(Date.now() < deadline_ms, "the VIP outlived its lifetime by 3 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const gone_after_ms = Date.now() - stopped_ms;
      // Not before the lifetime (the kernel's check is coarse, hence the slack).
      assert.ok(gone_after_ms >= LIFETIME_S * 1000 - 500, `gone after ${gone_after_ms} ms`);
      assert.deepEqual(await holders(), []);
    } finally {
      await leased.close();
    }
  });

  void it("with lifetime_s, a forever address an operator added is held as it is", async () => {
    const node = lab.node("h1");
    await lab.execChecked("h1", ["ip", "addr", "add", `${vip.vip}/${vip.prefix_length}`, "dev", node.ifname]);
    const leased = new VipController(vip, { command_prefix: lab.execPrefix("h1"), lifetime_s: 2 });
    try {
      assert.equal(await leased.reconcile("hold"), "already_bound");
      assert.deepEqual(await vipLifetimes("h1"), [FOREVER]);
      assert.equal(await leased.reconcile("release"), "released");
      assert.deepEqual(await holders(), []);
    } finally {
      await leased.close();
    }
  });

  void it("probe(): answered while h1 has the VIP, silent once it is gone; h2's own hold binds then", async (t) => {
    await controller("h1").hold();
    const answered = await controller("h2").probe();
    assert.equal(answered.result, "answered");
    const free = await controller("h1").release();
    assert.deepEqual(free, { removed: true });
    const silent = await controller("h2").probe();
    assert.equal(silent.result, "silent");
    assert.equal(silent.probes_sent, 3);
    // The figure a VIP move pays for the check: 3 probes started 10 ms apart, each listening
    // until 25 ms after the last start, plus process starts and exits.
    assert.ok(silent.duration_ms >= 45, `${silent.duration_ms} ms`);
    t.diagnostic(
      `probe: answered in ${Math.round(answered.duration_ms)} ms, silent in ${Math.round(silent.duration_ms)} ms`,
    );
    await controller("h2").hold();
    assert.equal((await controller("h1").probe()).result, "answered", "h1 now sees h2's address");
    assert.deepEqual(await holders(), ["h2"]);
    await controller("h2").release();
  });
});
