// A client-reconfig-script written for Redis Sentinel (the seed's failover.sh: MASTER_IP=${6},
// compare with this host, ip addr add/del the VIP, arping) in the agents' sentinel.conf, with the
// built-in VIP disabled (no vip-manager), moves the VIP at a real failover (issue 7). Agents run
// on the data hosts h1..h3, as Sentinel deployments put them, so each runs the script on its own
// host; nats-server lives on h4; c1 writes through the VIP. Every 10.x packet stays in the lab.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { IFNAME, NetnsCluster, REDIS_PORT } from "@sentinel-plane/testkit/netns-cluster";
import type { VipClient } from "@sentinel-plane/testkit/netns-cluster";

const SUBNET = "10.83.0";
const VIP = `${SUBNET}.50`;
const STEP_TIMEOUT_MS = 20_000;
const CLIENT_TIMINGS = {
  interval_ms: 5,
  connect_timeout_ms: 100,
  reply_timeout_ms: 200,
  run_max_ms: 120_000,
};
const scripts_dir = mkdtempSync(join(tmpdir(), "sp-vip-hook-"));

/**
 * The seed's failover.sh with this host's address filled in, as operators do on each host. Two
 * changes, both about this machine: no `sudo` (the agents run as root here, and sudo is not
 * installed), and `/usr/bin/arping` (iputils' path on Debian; the seed's /sbin/arping does not
 * exist, and without gratuitous ARP clients keep the old MAC for about 45-53 s).
 */
function seedScript(my_ip: string): string {
  return `#!/bin/bash

MASTER_IP=\${6}
MY_IP='${my_ip}'
VIP='${VIP}'
NETMASK='24'
INTERFACE='${IFNAME}'

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

function argvLog(host: string): string {
  return join(scripts_dir, `argv-${host}.log`);
}

/** sentinel.conf points at a wrapper that records the argv and the exit code of the seed script. */
function installScripts(host: string, address: string): string {
  const script = join(scripts_dir, `failover-${host}.sh`);
  writeFileSync(script, seedScript(address));
  chmodSync(script, 0o755);
  const wrapper = join(scripts_dir, `hook-${host}.sh`);
  const log = argvLog(host);
  writeFileSync(
    wrapper,
    `#!/bin/bash\nprintf 'run %s\\n' "$*" >> '${log}'\n'${script}' "$@"\ncode=$?\nprintf 'exit %s\\n' "$code" >> '${log}'\nexit "$code"\n`,
  );
  chmodSync(wrapper, 0o755);
  return wrapper;
}

let started: { readonly cluster: NetnsCluster; readonly client: VipClient } | null = null;

before(async () => {
  const cluster = await NetnsCluster.start({
    subnet: SUBNET,
    down_after_ms: 1000,
    failover_timeout_ms: 10_000,
    vip: null,
    agent_lines: (host) => [
      `sentinel client-reconfig-script mymaster ${installScripts(host.name, host.address)}`,
    ],
  });
  try {
    await cluster.ready(STEP_TIMEOUT_MS);
    // As with Sentinel, the script runs only at a failover: the operator put the VIP on the
    // first primary by hand.
    await cluster.lab.execChecked("h1", ["ip", "addr", "add", `${VIP}/24`, "dev", IFNAME]);
    started = { cluster, client: await cluster.startClient(VIP, CLIENT_TIMINGS, STEP_TIMEOUT_MS) };
  } catch (error) {
    await cluster.teardown();
    throw error;
  }
});

after(async () => {
  await started?.cluster.teardown();
  rmSync(scripts_dir, { recursive: true, force: true });
});

function readLog(host: string): string[] {
  try {
    return readFileSync(argvLog(host), "utf8").trim().split("\n");
  } catch {
    return []; // not run yet
  }
}

/** Polls a condition with a deadline (for what has no event to await). */
async function pollUntil(check: () => boolean, timeout_ms: number): Promise<void> {
  const until_ms = performance.now() + timeout_ms;
  while (!check()) {
    assert.ok(performance.now() < until_ms, "condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function lab(): { readonly cluster: NetnsCluster; readonly client: VipClient } {
  assert.ok(started !== null, "the cluster did not start");
  return started;
}

void describe("the seed's client-reconfig-script run by the agents", () => {
  void it("SIGKILL of the primary: every agent runs it with Sentinel's argv and the VIP moves", async () => {
    const { cluster, client } = lab();
    const old = cluster.initial_primary;
    const old_run_id = await cluster.redisInfoField(old.name, "run_id");
    await client.waitForAck((ack) => ack.run_id === old_run_id, STEP_TIMEOUT_MS);

    const mark = cluster.mark();
    const killed = await cluster.killRedis(old.name);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const next = cluster.switchedTo(switched.event);
    assert.notEqual(next.name, old.name);
    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    const resumed = await client.waitForAck(
      (ack) => ack.t_ms > killed.t_ms && ack.run_id === next_run_id,
      STEP_TIMEOUT_MS,
    );

    // Every agent ran the script once and it exited 0. (Script events have no master, so the
    // agents do not publish them on NATS: the wrapper's log is the observable; polled.)
    await pollUntil(
      () => cluster.hosts.every((host) => readLog(host.name).some((line) => line.startsWith("exit "))),
      STEP_TIMEOUT_MS,
    );
    for (const host of cluster.hosts) {
      assert.doesNotMatch(host.agent.output(), /"event":"-script-(error|timeout)"/, host.name);
    }

    // Sentinel's argv: <master> <role> start <from-ip> <from-port> <to-ip> <to-port>, role
    // leader on the agent that led the failover, observer on the others.
    const promotions = cluster.named("+promoted-slave", mark);
    assert.equal(promotions.length, 1, "exactly one promotion");
    const leader = promotions[0]?.event.agent;
    for (const host of cluster.hosts) {
      const role = host.myid === leader ? "leader" : "observer";
      assert.deepEqual(
        readLog(host.name),
        [`run mymaster ${role} start ${old.address} ${REDIS_PORT} ${next.address} ${REDIS_PORT}`, "exit 0"],
        host.name,
      );
    }

    assert.deepEqual(await cluster.holders(VIP), [next.name], "exactly one holder, asked on every host");
    assert.equal(
      (await cluster.redisCli(next.name, ["GET", `vip:${resumed.seq}`])).trim(),
      String(resumed.seq),
    );
    assert.equal(
      await cluster.lab.neighborMac("c1", VIP),
      await cluster.lab.mac(next.name),
      "gratuitous ARP",
    );
  });
});
