// A client-reconfig-script written for Redis Sentinel (the seed's failover.sh: MASTER_IP=${6},
// compare with this host, ip addr add/del, arping) configured on each host's vip-manager, with
// the built-in VIP disabled (vips: []), moves the VIP as committed records change the primary.
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { waitForTcpReply } from "@sentinel-plane/testkit/netns";
import { TCP_PORT, VipLab } from "./testing/vip-lab.js";

const SUBNET = "10.80.0";
const VIP = `${SUBNET}.50`;
const STEP_TIMEOUT_MS = 15_000;
const HOSTS = ["h1", "h2", "h3"] as const;

let lab: VipLab;

/** The seed's failover.sh, with this host's address filled in as operators do on each host. */
function seedScript(my_ip: string): string {
  return `#!/bin/bash

MASTER_IP=\${6}
MY_IP='${my_ip}'
VIP='${VIP}'
NETMASK='24'
INTERFACE='eth0'

if [ \${MASTER_IP} = \${MY_IP} ]; then
    /sbin/ip addr add \${VIP}/\${NETMASK} dev \${INTERFACE}
    /usr/bin/arping -q -c 3 -A \${VIP} -I \${INTERFACE}
    exit 0
else
    /sbin/ip addr del \${VIP}/\${NETMASK} dev \${INTERFACE}
    exit 0
fi
exit 1
`;
}

function scriptPath(host: string): string {
  return join(lab.dir, `failover-${host}.sh`);
}

/** Every host ran its script for the epoch, and it succeeded. */
async function hooksDone(config_epoch: number): Promise<void> {
  for (const host of HOSTS) {
    await lab.waitForLog(host, { event: "hook_finished", config_epoch, outcome: "ok" }, STEP_TIMEOUT_MS);
  }
}

before(async () => {
  lab = await VipLab.create({
    data_hosts: 3,
    subnet: SUBNET,
    config: (host) => ({ vips: [], hooks: { client_reconfig_script: scriptPath(host) } }),
  });
  for (const host of HOSTS) {
    writeFileSync(scriptPath(host), seedScript(lab.address(host)));
    chmodSync(scriptPath(host), 0o755);
    await lab.startManager(host);
  }
});

after(async () => {
  await lab.teardown();
});

void describe("a Redis Sentinel client-reconfig-script run by each host's vip-manager", () => {
  void it("the first record is a baseline: no script runs, nothing is bound", async () => {
    await lab.commit({ config_epoch: 1, primary_host: "h1" });
    for (const host of HOSTS) {
      await lab.waitForLog(
        host,
        { event: "record_observed", config_epoch: 1, kind: "baseline" },
        STEP_TIMEOUT_MS,
      );
      assert.equal(lab.hasLog(host, { event: "hook_scheduled" }), false);
    }
    assert.deepEqual(await lab.holders(VIP), []);
  });

  void it("a failover to h2 runs the script with Sentinel's argv on every host; h2 holds the VIP", async () => {
    await lab.commit({ config_epoch: 2, primary_host: "h2" });
    await hooksDone(2);
    const argv = [
      scriptPath("h1"),
      "mymaster",
      "observer",
      "start",
      lab.address("h1"),
      "6379",
      lab.address("h2"),
      "6379",
    ];
    assert.ok(
      lab
        .manager("h1")
        .output()
        .includes(`"argv":${JSON.stringify(argv)}`),
    );
    assert.deepEqual(await lab.holders(VIP), ["h2"]);
    assert.equal(await waitForTcpReply(lab.lab, "c1", { host: VIP, port: TCP_PORT }, "h2", 5_000), "h2");
  });

  void it("a failover to h3 moves it again and c1 follows (gratuitous ARP)", async () => {
    await lab.commit({ config_epoch: 3, primary_host: "h3" });
    await hooksDone(3);
    assert.deepEqual(await lab.holders(VIP), ["h3"]);
    assert.equal(await waitForTcpReply(lab.lab, "c1", { host: VIP, port: TCP_PORT }, "h3", 5_000), "h3");
    assert.equal(await lab.lab.neighborMac("c1", VIP), await lab.lab.mac("h3"));
  });

  void it("no script failed", () => {
    for (const host of HOSTS) {
      assert.equal(lab.hasLog(host, { event: "hook_event", type: "-script-error" }), false, host);
      assert.equal(lab.hasLog(host, { event: "hook_event", type: "-script-timeout" }), false, host);
    }
  });
});
