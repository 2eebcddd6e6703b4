// The fault shapes, one declarative entry each. `expect` is the contract the serial test and the
// matrix judge a run by:
//  - "safe": every invariant (checker.ts safetyViolations): no write acknowledged by an old
//    primary after a promotion, no two writable nodes at once, a single writable primary within
//    down-after + failover-timeout of the fault, and convergence.
//  - "known-unsafe": today's code is known to break a safety invariant (the issue says which); the
//    run still asserts what holds (a single writable primary at the end, convergence) and prints
//    the figures.
//  - "known-unconverged": known to break safety and to leave a node unconverged (the issue says
//    which); the run asserts a single writable primary at the end and prints the rest.
//  - "known-vip-split" (shapes with a VIP): every invariant of "safe" for the data and
//    convergence, but today's code is known to let two hosts hold the VIP at once (the issue says
//    why); the run prints the two-holder figures instead of failing on them.
// When a fix merges, flipping the word to "safe" makes the suite hold it to every invariant.
import type { NetnsDataHost, TapEvent } from "@sentinel-plane/testkit/netns-cluster";
import type { FaultContext } from "./harness.js";
import { signal, undrop } from "./harness.js";
import { sleep } from "./lines.js";
import { wallClock_ms } from "@sentinel-plane/testkit/netns-cluster";

export type Expectation = "safe" | "known-unsafe" | "known-unconverged" | "known-vip-split";

/** Whether the fault must end in a `+switch-master`, may, or must not need one. */
export type FailoverExpectation = "required" | "maybe" | "none";

export interface FaultShape {
  readonly name: string;
  readonly what: string;
  readonly expect: Expectation;
  /** Why it is known-unsafe (issue and item); null for safe shapes. */
  readonly issue: string | null;
  readonly failover: FailoverExpectation;
  /**
   * Runs vip-managers with the built-in VIP and judges it too (never two holders; on the final
   * primary's host at the end). Only shapes about the VIP: the others' timings stay as they were.
   */
  readonly vip?: boolean;
  /** Injects the fault; `stopped` collects PIDs left SIGSTOPped (SIGCONT at teardown). */
  inject(context: FaultContext, stopped: Set<number>): Promise<void>;
  /** Ends it (heal the network, resume or restart what was stopped or killed). */
  heal(context: FaultContext, stopped: Set<number>): Promise<void>;
}

const NATS_DOWN_MS = 2000;
const DATA_NODE_DOWN_MS = 500;

async function restartOldPrimary(c: FaultContext): Promise<void> {
  // The data-node supervises redis-server: a new one starts it (fenced) after the SIGKILL.
  if (c.primary.data_node.running) {
    await c.cluster.restartDataNode(c.primary.name);
  } else await c.cluster.startDataNode(c.primary.name);
}

async function killPrimaryRedis(c: FaultContext): Promise<void> {
  const killed = await c.cluster.killRedis(c.primary.name);
  c.faultAt(killed.t_ms);
  c.note(`SIGKILL redis-server ${c.primary.name} (pid ${killed.pid})`);
}

/** SIGKILL of the primary's redis, then SIGKILL of the leader's agent when `event` is seen. */
function leaderKilledAfter(event: string, name: string): FaultShape {
  return {
    name,
    what: `SIGKILL of the primary's redis-server, then of the leading agent after ${event}`,
    expect: "safe",
    issue: null,
    failover: "required",
    async inject(c) {
      await killPrimaryRedis(c);
      const elected = await c.waitForEvent((e) => e.name === "+elected-leader");
      const leader = c.hostOfAgent(elected.event.agent);
      if (event !== "+elected-leader") {
        await c.waitForEvent((e) => e.name === event && e.agent === elected.event.agent);
      }
      signal(leader.agent.pid, "SIGKILL");
      c.note(`SIGKILL agent of ${leader.name} after ${event}`);
      // Killed agents must not hold up the wait for a failover: the others take over.
      await leader.agent.exited;
    },
    heal: restartKilled,
  };
}

/** SIGKILL of a host's vip-manager: no clean stop, so the VIP it holds stays configured. */
async function killVipManager(c: FaultContext, host: NetnsDataHost, when: string): Promise<void> {
  const manager = host.vip_manager;
  if (manager === null) throw new Error(`${host.name} runs no vip-manager: the shape needs vip: true`);
  signal(manager.pid, "SIGKILL");
  c.note(`SIGKILL vip-manager ${host.name}${when}`);
  await manager.exited;
}

/** Starts again every vip-manager a shape killed (it reconciles from the committed topology). */
async function restartVipManagers(c: FaultContext): Promise<void> {
  for (const host of c.cluster.hosts) {
    if (host.vip_manager !== null && !host.vip_manager.running) {
      await c.cluster.startVipManager(host.name);
      c.note(`vip-manager ${host.name} started again`);
    }
  }
}

/** The data host a slave event (`+selected-slave`, `+promoted-slave`) names. */
function slaveHost(c: FaultContext, tapped: TapEvent): NetnsDataHost {
  const address = tapped.event.text.split(" ")[2];
  const host = c.cluster.hosts.find((h) => h.address === address);
  if (host === undefined) throw new Error(`${tapped.event.name} names no data host: ${tapped.event.text}`);
  return host;
}

/** Starts again every data-node and agent a shape killed, and the old primary's redis-server. */
async function restartKilled(c: FaultContext): Promise<void> {
  for (const host of c.cluster.hosts) {
    if (!host.agent.running) await c.cluster.startAgent(host.name);
    if (!host.data_node.running && host !== c.primary) await c.cluster.startDataNode(host.name);
  }
  await restartOldPrimary(c);
}

/**
 * Runs a network fault's command and marks the fault's instant when it returned: only then is the
 * cut certainly in effect (`ip`/`iptables-restore` took up to a second on the loaded machine, and
 * writes acknowledged meanwhile were taken for writes after the cut). The command's duration is
 * noted: the true instant lies within it.
 */
async function cutNow(c: FaultContext, what: string, command: () => Promise<void>): Promise<void> {
  const started_ms = wallClock_ms();
  await command();
  c.faultAt(wallClock_ms());
  c.note(`${what} in effect (the command took ${Math.round(wallClock_ms() - started_ms)} ms)`);
}

/**
 * SENTINEL FAILOVER (sent to the first replica's agent), then, once it is accepted, SIGKILL of
 * the old primary's data-node; its redis-server lives on.
 */
async function failoverThenKillDataNode(c: FaultContext): Promise<void> {
  const leader = c.replicas[0];
  if (leader === undefined) throw new Error("no replica host");
  await c.sentinelFailover(leader.name);
  signal(c.primary.data_node.pid, "SIGKILL");
  c.note(`SIGKILL data-node ${c.primary.name}`);
  await c.primary.data_node.exited;
}

function resumeStopped(c: FaultContext, stopped: Set<number>): Promise<void> {
  for (const pid of stopped) signal(pid, "SIGCONT");
  stopped.clear();
  c.note("SIGCONT");
  return Promise.resolve();
}

export const SHAPES: readonly FaultShape[] = [
  {
    name: "partition-host-cut",
    what: "the primary's host cut off entirely (link down); its local writer keeps writing over loopback",
    expect: "safe",
    issue: null,
    failover: "required",
    inject: (c) => cutNow(c, "link down", () => c.cluster.lab.cut(c.primary.name)),
    heal: (c) => c.cluster.lab.heal(c.primary.name),
  },
  {
    name: "partition-peers-cut",
    what: "the primary's host loses the other Redis/agent hosts but keeps NATS and clients (iptables DROP)",
    // Safe since the majority write lease (docs/adr/0001-write-lease.md): the agents stop vouching
    // for a primary they cannot reach, and the leader promotes only once its lease has run out.
    expect: "safe",
    issue: null,
    failover: "required",
    inject: (c) =>
      cutNow(c, "DROP to the peers", () =>
        c.drop(
          c.primary.name,
          c.replicas.map((h) => h.name),
        ),
      ),
    heal: (c) => undrop(c.cluster, c.primary.name),
  },
  {
    name: "partition-control-plane-cut",
    what: "the primary's host loses NATS and the other hosts but keeps its clients (iptables DROP)",
    expect: "safe",
    issue: null,
    failover: "required",
    inject: (c) =>
      cutNow(c, "DROP to the peers and NATS", () =>
        c.drop(c.primary.name, [...c.replicas.map((h) => h.name), c.cluster.nats_host]),
      ),
    heal: (c) => undrop(c.cluster, c.primary.name),
  },
  {
    name: "partition-minority",
    what: "a minority side (the primary's host with its agent, and the clients) cut from the other two hosts and NATS",
    expect: "safe",
    issue: null,
    failover: "required",
    async inject(c) {
      const majority = [...c.replicas.map((h) => h.name), c.cluster.nats_host];
      await cutNow(c, "primary's host DROP to the majority", () => c.drop(c.primary.name, majority));
      await c.drop(c.cluster.client_host, majority);
      c.note("clients' host DROP to the majority");
    },
    async heal(c) {
      await undrop(c.cluster, c.primary.name);
      await undrop(c.cluster, c.cluster.client_host);
    },
  },
  {
    name: "kill-primary",
    what: "SIGKILL of the primary's redis-server (its data-node restarts it afterwards)",
    expect: "safe",
    issue: null,
    failover: "required",
    inject: killPrimaryRedis,
    heal: restartOldPrimary,
  },
  {
    name: "stop-primary",
    what: "SIGSTOP of the primary's redis-server, SIGCONT after the failover",
    // Safe since a fence only queued on a hung server's connection no longer disarms its watchdog
    // (core watchdog.ts watchdogLine): the server is killed at its lease's end, before the
    // promotion, instead of resuming with client writes that ran before its fence.
    expect: "safe",
    issue: null,
    failover: "required",
    async inject(c, stopped) {
      const pid = Number(await c.cluster.redisInfoField(c.primary.name, "process_id"));
      stopped.add(pid);
      c.faultAt(wallClock_ms());
      signal(pid, "SIGSTOP");
      c.note(`SIGSTOP redis-server ${c.primary.name} (pid ${pid})`);
    },
    heal: resumeStopped,
  },
  {
    name: "data-node-restart-in-failover",
    what: "SENTINEL FAILOVER, then SIGKILL of the old primary's data-node (its redis-server lives), restarted 0.5 s later",
    // Safe since a restarted data-node adopts its running redis-server (issue 13 item 2).
    expect: "safe",
    issue: null,
    failover: "maybe",
    async inject(c) {
      await failoverThenKillDataNode(c);
      await sleep(DATA_NODE_DOWN_MS);
      await c.cluster.startDataNode(c.primary.name);
      c.note(`data-node ${c.primary.name} started again`);
    },
    heal: () => Promise.resolve(),
  },
  {
    name: "nats-restart",
    what: "SIGKILL of nats-server, started again 2 s later (same JetStream directory)",
    expect: "safe",
    issue: null,
    failover: "maybe",
    async inject(c) {
      c.faultAt(wallClock_ms());
      signal(c.cluster.nats.pid, "SIGKILL");
      await c.cluster.nats.exited;
      c.note("SIGKILL nats-server");
      await sleep(NATS_DOWN_MS);
      await c.cluster.startNats();
      c.note("nats-server started again");
    },
    heal: () => Promise.resolve(),
  },
  {
    name: "data-node-kill-in-failover",
    what: "SENTINEL FAILOVER, then SIGKILL of the old primary's data-node (its redis-server lives), started again only after the hold",
    expect: "safe",
    issue: null,
    failover: "maybe",
    inject: failoverThenKillDataNode,
    heal: (c) => c.cluster.startDataNode(c.primary.name),
  },
  {
    name: "data-node-kill-promoted",
    what: "SIGKILL of the primary's redis-server, then of the promoted replica's data-node after +promoted-slave",
    expect: "safe",
    issue: null,
    failover: "maybe",
    async inject(c) {
      await killPrimaryRedis(c);
      const host = slaveHost(c, await c.waitForEvent((e) => e.name === "+promoted-slave"));
      signal(host.data_node.pid, "SIGKILL");
      c.note(`SIGKILL data-node ${host.name} after +promoted-slave`);
      await host.data_node.exited;
    },
    heal: restartKilled,
  },
  {
    name: "stop-data-node",
    what: "SIGSTOP of the primary's data-node (its redis-server keeps serving), SIGCONT after the hold",
    expect: "safe",
    issue: null,
    failover: "maybe",
    inject(c, stopped) {
      stopped.add(c.primary.data_node.pid);
      signal(c.primary.data_node.pid, "SIGSTOP");
      c.note(`SIGSTOP data-node ${c.primary.name}`);
      return Promise.resolve();
    },
    heal: resumeStopped,
  },
  {
    name: "stop-leader",
    what: "SIGKILL of the primary's redis-server, then SIGSTOP of the leading agent after +elected-leader, SIGCONT after the hold",
    expect: "safe",
    issue: null,
    failover: "required",
    async inject(c, stopped) {
      await killPrimaryRedis(c);
      const elected = await c.waitForEvent((e) => e.name === "+elected-leader");
      const leader = c.hostOfAgent(elected.event.agent);
      stopped.add(leader.agent.pid);
      signal(leader.agent.pid, "SIGSTOP");
      c.note(`SIGSTOP agent of ${leader.name} after +elected-leader`);
    },
    async heal(c, stopped) {
      await resumeStopped(c, stopped);
      await restartOldPrimary(c);
    },
  },
  leaderKilledAfter("+elected-leader", "leader-kill-elected"),
  leaderKilledAfter("+promoted-slave", "leader-kill-promoted"),
  leaderKilledAfter("+switch-master", "leader-kill-switched"),
  {
    name: "vip-manager-kill",
    what:
      "SIGKILL of the primary's redis-server and, right after, of its host's vip-manager (holding the VIP); " +
      "the vip-manager and the old primary started again after the hold",
    // A SIGKILLed vip-manager removes nothing, but its address carries a kernel lifetime of
    // ceil(lease) s that only the live manager renews: the kernel drops it within that lifetime
    // (plus its ~1 s check), whether or not the manager comes back. The new primary's vip-manager
    // probes before it binds (duplicate address detection, libs/core vip/bind-guard.ts) and waits
    // while the dead one's address answers: never two holders. (Before the probe: two holders for
    // 1.7 s with the 2 s lease here.) The data stays safe: the old primary's redis-server is dead,
    // then restarted fenced and made a replica.
    expect: "safe",
    issue: null,
    failover: "required",
    vip: true,
    async inject(c) {
      await killPrimaryRedis(c);
      await killVipManager(c, c.primary, " right after");
    },
    async heal(c) {
      await restartVipManagers(c);
      await restartOldPrimary(c);
    },
  },
  {
    name: "vip-manager-kill-new-primary",
    what:
      "SIGKILL of the primary's redis-server, then of the selected replica's vip-manager at +selected-slave " +
      "(before the commit it would bind the VIP on), started again after the hold: the VIP must come to it then",
    expect: "safe",
    issue: null,
    failover: "required",
    vip: true,
    async inject(c) {
      await killPrimaryRedis(c);
      // At +selected-slave, not +switch-master: +switch-master follows the commit, and the
      // manager's KV watch may have bound the VIP already, which would leave nothing to test.
      const host = slaveHost(c, await c.waitForEvent((e) => e.name === "+selected-slave"));
      await killVipManager(c, host, " at +selected-slave");
    },
    async heal(c) {
      await restartVipManagers(c);
      await restartOldPrimary(c);
    },
  },
];

export function shapeNamed(name: string): FaultShape {
  const shape = SHAPES.find((s) => s.name === name);
  if (shape === undefined)
    throw new Error(`no fault shape ${name}; known: ${SHAPES.map((s) => s.name).join(", ")}`);
  return shape;
}
