// A client-reconfig-script written for Redis Sentinel, in the style of the seed's failover.sh
// (MASTER_IP=${6}, compare with this host, ip addr add/del, arping), run by the hook runner with
// Sentinel's argv on each host of a namespace lab, moves the VIP correctly.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ReconfigRole, ScriptEvent } from "@sentinel-plane/hooks";
import { HookRunner, clientReconfigArgv } from "@sentinel-plane/hooks";
import type { NetnsLab } from "@sentinel-plane/testkit/netns";
import {
  createNetnsLab,
  listNetns,
  tcpReplyServerArgv,
  waitForTcpReply,
} from "@sentinel-plane/testkit/netns";

const PORT = 7000;
const VIP = "10.78.0.50";
const REDIS_PORT = 6888;
let lab: NetnsLab;
let dir = "";
const hooks = new Map<string, string>();
const runners = new Map<string, HookRunner>();
const events: ScriptEvent[] = [];

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

function writeExecutable(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

async function holders(): Promise<string[]> {
  const held: string[] = [];
  for (const host of lab.hosts) {
    const shown = await lab.execChecked(host.name, ["ip", "-j", "addr", "show", "dev", host.ifname]);
    const links = JSON.parse(shown.stdout) as { addr_info: { local: string }[] }[];
    if (links.some((link) => link.addr_info.some((entry) => entry.local === VIP))) held.push(host.name);
  }
  return held;
}

/** What every Sentinel does at a failover: each host's runner calls its script. */
async function failover(from: string, to: string, leader: string): Promise<void> {
  for (const host of lab.hosts) {
    const role: ReconfigRole = host.name === leader ? "leader" : "observer";
    const path = hooks.get(host.name);
    const runner = runners.get(host.name);
    assert.ok(path !== undefined && runner !== undefined);
    runner.schedule(
      clientReconfigArgv(path, {
        master_name: "mymaster",
        role,
        state: "start",
        from: { host: lab.node(from).address, port: REDIS_PORT },
        to: { host: lab.node(to).address, port: REDIS_PORT },
      }),
    );
  }
  await Promise.all([...runners.values()].map((runner) => runner.whenIdle()));
}

before(async () => {
  lab = await createNetnsLab({ hosts: 2, clients: 1, subnet: "10.78.0" });
  dir = mkdtempSync(join(tmpdir(), "sp-seed-hook-"));
  for (const host of lab.hosts) {
    const script = join(dir, `failover-${host.name}.sh`);
    writeExecutable(script, seedScript(host.address));
    // Stands for "this script runs on host hX": the runner execs it with Sentinel's argv.
    const hook = join(dir, `hook-${host.name}.sh`);
    writeExecutable(hook, `#!/bin/bash\nexec ${lab.execPrefix(host.name).join(" ")} ${script} "$@"\n`);
    hooks.set(host.name, hook);
    runners.set(host.name, new HookRunner({ on_event: (event) => events.push(event) }));
    const server = lab.spawn(host.name, tcpReplyServerArgv(PORT, host.name));
    await server.waitForOutput(/ready/, 10_000);
  }
});

after(async () => {
  for (const runner of runners.values()) await runner.close();
  const names = lab.netns_names;
  await lab.teardown();
  rmSync(dir, { recursive: true, force: true });
  const listed = await listNetns();
  assert.deepEqual(
    names.filter((name) => listed.includes(name)),
    [],
  );
});

void describe("a Redis Sentinel client-reconfig-script (seed style) through the hook runner", () => {
  void it("puts the VIP on the promoted host h1", async () => {
    await failover("h2", "h1", "h2");
    assert.deepEqual(await holders(), ["h1"]);
    assert.equal(await waitForTcpReply(lab, "c1", { host: VIP, port: PORT }, "h1", 3_000), "h1");
  });

  void it("moves it to h2 at the next failover, and c1 follows", async () => {
    await failover("h1", "h2", "h1");
    assert.deepEqual(await holders(), ["h2"]);
    assert.equal(await waitForTcpReply(lab, "c1", { host: VIP, port: PORT }, "h2", 3_000), "h2");
    assert.equal(await lab.neighborMac("c1", VIP), await lab.mac("h2"));
  });

  void it("ran every script as Sentinel would, and none failed", () => {
    assert.equal(events.filter((event) => event.type === "+script-child").length, 4);
    assert.deepEqual(
      events.filter((event) => event.type === "-script-error" || event.type === "-script-timeout"),
      [],
    );
  });
});
