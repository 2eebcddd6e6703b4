// The loop with fake ports and a fake clock: reads, watch entries, lease expiry, hooks, shutdown.
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, it } from "node:test";
import type { WireTopologyRecord } from "@sentinel-plane/protocol";
import { createLogger, nodeTimers } from "@sentinel-plane/runtime";
import type { VipManagerSettings } from "./loop.js";
import { VipManager } from "./loop.js";
import type { HookPort, TopologyPort, TopologyRead, VipPort, VipProbe } from "./ports.js";
import type { VipConfig } from "./vip-config.js";

const HERE = { host: "10.77.0.11", port: 6379 };
const THERE = { host: "10.77.0.12", port: 6379 };
const LEASE_MS = 1000;
const BIND_WAIT_MAX_MS = 2000;

function record(config_epoch: number, primary: { host: string; port: number }): WireTopologyRecord {
  return {
    v: 1,
    type: "topology",
    master_name: "mymaster",
    config_epoch,
    primary,
    replicas: [],
    leader: "a".repeat(40),
  };
}

class FakeTopology implements TopologyPort {
  current: TopologyRead = { kind: "absent" };
  failing = false;
  reads = 0;
  on_entry: ((master_name: string, read: TopologyRead) => void) | null = null;
  read(): Promise<TopologyRead> {
    this.reads++;
    return this.failing ? Promise.reject(new Error("timeout")) : Promise.resolve(this.current);
  }
  watch(on_entry: (master_name: string, read: TopologyRead) => void): void {
    this.on_entry = on_entry;
  }
  stop(): void {
    this.on_entry = null;
  }
  commit(value: WireTopologyRecord, revision: number): void {
    this.current = { kind: "record", record: value, revision };
    this.on_entry?.("mymaster", this.current);
  }
}

class FakeVip implements VipPort {
  readonly config: VipConfig = {
    master_name: "mymaster",
    vip: "10.77.0.50",
    prefix_length: 24,
    interface: "eth0",
  };
  bound = false;
  /** What duplicate address detection finds: another host holds the VIP while this is true. */
  elsewhere = false;
  probes = 0;
  readonly actions: string[] = [];
  renew(): Promise<boolean> {
    return Promise.resolve(this.bound);
  }
  probe(): Promise<VipProbe> {
    this.probes++;
    const result = this.elsewhere ? "answered" : "silent";
    return Promise.resolve({ result, probes_sent: this.elsewhere ? 1 : 3, duration_ms: 1 });
  }
  hold(): Promise<void> {
    this.bound = true;
    this.actions.push("hold");
    return Promise.resolve();
  }
  release(): Promise<{ removed: boolean }> {
    const removed = this.bound;
    this.bound = false;
    if (removed) this.actions.push("release");
    return Promise.resolve({ removed });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class FakeHooks implements HookPort {
  readonly scheduled: (readonly string[])[] = [];
  schedule(argv: readonly string[]): number {
    this.scheduled.push(argv);
    return this.scheduled.length;
  }
  whenIdle(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(overrides: Partial<VipManagerSettings> = {}) {
  let now_ms = 0;
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n"))
      if (line !== "") lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const vip = new FakeVip();
  const hooks = new FakeHooks();
  const topology = new FakeTopology();
  const manager = new VipManager({
    settings: {
      host_name: "h1",
      host_addresses: ["10.77.0.11:6379"],
      lease_ms: LEASE_MS,
      reconcile_interval_ms: 100,
      bind_wait_max_ms: BIND_WAIT_MAX_MS,
      release_on_shutdown: false,
      shutdown_hooks_wait_ms: 100,
      client_reconfig_script: "/etc/redis/failover.sh",
      notification_script: "/etc/redis/notify.sh",
      hook_masters: null,
      ...overrides,
    },
    logger: createLogger({ service: "vip-manager", level: "debug", destination: stream }),
    vips: [vip],
    hooks,
    now_ms: () => now_ms,
    // Ticks are driven by the tests; the timers carry only the shutdown's bounded wait for hooks.
    timers: nodeTimers,
    auto_tick: false,
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await nextTurn();
    await manager.idle();
    for (let i = 0; i < 5; i++) await nextTurn();
  };
  const events = (name: string) => lines.filter((line) => line["event"] === name);
  return {
    manager,
    vip,
    hooks,
    topology,
    events,
    settle,
    advance: (ms: number) => {
      now_ms += ms;
    },
  };
}

void describe("VipManager", () => {
  void it("reconciles from the committed record at attach: holds when the primary is here", async () => {
    const t = setup();
    t.vip.bound = false;
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    assert.deepEqual(t.vip.actions, ["hold"]);
    assert.equal(t.vip.probes, 1, "duplicate address detection before the bind");
    assert.equal(t.events("vip_hold")[0]?.["reason"], "primary_on_this_host");
    assert.equal(typeof t.events("vip_hold")[0]?.["probe_ms"], "number");
    assert.equal(t.events("vip_hold")[0]?.["config_epoch"], 3);
    assert.equal(t.hooks.scheduled.length, 0, "the first record is a baseline");
  });

  void it("releases a VIP left on this host when the record names another", async () => {
    const t = setup();
    t.vip.bound = true;
    t.topology.current = { kind: "record", record: record(3, THERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    assert.deepEqual(t.vip.actions, ["release"]);
    assert.equal(t.events("vip_release")[0]?.["action"], "released");
  });

  void it("does nothing before the first contact until the lease runs out, then releases", async () => {
    const t = setup();
    t.vip.bound = true;
    t.manager.start();
    t.advance(LEASE_MS);
    t.manager.tick();
    await t.settle();
    assert.deepEqual(t.vip.actions, [], "a restart does not drop the VIP while NATS connects");
    t.advance(1);
    t.manager.tick();
    await t.settle();
    assert.deepEqual(t.vip.actions, ["release"]);
    assert.equal(t.events("vip_release")[0]?.["reason"], "control_plane_never_seen");
  });

  void it("fails closed when reads fail for longer than the lease, and takes it back after", async () => {
    const t = setup();
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    t.topology.failing = true;
    for (let i = 0; i < 10; i++) {
      t.advance(100);
      t.manager.tick();
      await t.settle();
    }
    assert.equal(t.vip.bound, true, "exactly the lease: still held");
    t.advance(1);
    t.manager.tick();
    await t.settle();
    assert.equal(t.vip.bound, false);
    assert.equal(t.events("vip_release")[0]?.["reason"], "control_plane_lease_expired");
    assert.equal(t.events("control_plane_lost").length, 1);
    assert.deepEqual(t.hooks.scheduled.at(-1)?.slice(0, 2), ["/etc/redis/notify.sh", "-vip-lease-expired"]);
    t.topology.failing = false;
    t.advance(100);
    t.manager.tick();
    await t.settle();
    assert.equal(t.vip.bound, true);
    assert.equal(t.events("control_plane_restored").length, 1);
  });

  void it("runs the client-reconfig script as an observer on a committed primary change only", async () => {
    const t = setup();
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    t.topology.commit(record(4, THERE), 2);
    await t.settle();
    assert.equal(t.vip.bound, false);
    assert.deepEqual(t.hooks.scheduled, [
      ["/etc/redis/failover.sh", "mymaster", "observer", "start", "10.77.0.11", "6379", "10.77.0.12", "6379"],
    ]);
    t.topology.commit(record(2, HERE), 3);
    t.topology.commit(record(4, HERE), 4);
    t.topology.commit(record(5, THERE), 5);
    await t.settle();
    assert.equal(t.vip.bound, false, "stale and conflicting records change nothing");
    assert.equal(t.hooks.scheduled.length, 1, "no hook for a stale, conflicting or same-primary record");
    assert.deepEqual(
      t.events("record_ignored").map((line) => line["reason"]),
      ["stale_epoch", "conflicting_primary"],
    );
  });

  void it("runs hooks only for the configured masters", async () => {
    const t = setup({ hook_masters: ["other"] });
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    t.topology.commit(record(4, THERE), 2);
    await t.settle();
    assert.equal(t.vip.bound, false);
    assert.equal(t.hooks.scheduled.length, 0);
  });

  void it("keeps the VIP on a clean stop, releases it with release_on_shutdown", async () => {
    for (const release_on_shutdown of [false, true]) {
      const t = setup({ release_on_shutdown });
      t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
      t.manager.start();
      await t.manager.attach(t.topology);
      await t.settle();
      await t.manager.stop();
      assert.equal(t.vip.bound, !release_on_shutdown);
      assert.equal(t.topology.on_entry, null, "the watch is stopped");
    }
  });

  void it("reports VIP held, lease age, the fence and hook failures in its snapshot (/metrics, /healthz)", async () => {
    const t = setup();
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    const before = t.manager.snapshot();
    assert.equal(before.lease_age_s, null, "no contact yet");
    assert.equal(before.vips[0]?.held, false);
    await t.manager.attach(t.topology);
    await t.settle();
    t.advance(250);
    const held = t.manager.snapshot();
    assert.deepEqual(held.vips, [
      {
        master_name: "mymaster",
        vip: "10.77.0.50",
        interface: "eth0",
        held: true,
        command_failures: 0,
        address_conflicts: 0,
      },
    ]);
    assert.equal(held.lease_age_s, 0.25);
    assert.equal(held.lease_s, LEASE_MS / 1000);
    assert.equal(held.lease_lost, false);
    // Silence past the lease: fenced, the VIP released.
    t.topology.failing = true;
    t.advance(LEASE_MS);
    t.manager.tick();
    await t.settle();
    const fenced = t.manager.snapshot();
    assert.equal(fenced.lease_lost, true);
    assert.equal(fenced.vips[0]?.held, false);
    assert.equal(fenced.lease_age_s, 1.25);
    // The -vip-lease-expired notification was scheduled as job 1: it fails.
    const job = t.hooks.scheduled.length;
    assert.ok(job >= 1);
    t.manager.scriptFinished(
      {
        job_id: job,
        argv: t.hooks.scheduled[job - 1] ?? [],
        running: false,
        pid: 0,
        start_ms: null,
        retry_num: 1,
        kill_sent: false,
      },
      "error",
    );
    await t.settle();
    assert.deepEqual(t.manager.snapshot().hook_failures, { client_reconfig: 0, notification: 1 });
  });

  void it("counts a failed VIP command sequence per VIP", async () => {
    const t = setup();
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.vip.hold = () => Promise.reject(new Error("RTNETLINK answers: Operation not permitted"));
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    const after_attach = t.manager.snapshot().vips[0]?.command_failures ?? 0;
    assert.ok(after_attach >= 1);
    t.manager.tick();
    await t.settle();
    const vip = t.manager.snapshot().vips[0];
    assert.equal(vip?.held, false);
    // Each failed attempt counts (the loop retries the hold on every evaluation).
    assert.ok(vip.command_failures > after_attach, "the tick's retry failed too");
  });

  void it("does not bind while another host answers for the VIP; binds at the first silent probe", async () => {
    const t = setup();
    t.vip.elsewhere = true;
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    for (let tick = 0; tick < 3; tick++) {
      t.advance(100);
      t.manager.tick();
      await t.settle();
    }
    assert.deepEqual(t.vip.actions, [], "never bound while answered");
    // Every evaluation probes (a tick evaluates, and so does the read it starts).
    assert.ok(t.vip.probes >= 4, `probed again on every reconcile: ${t.vip.probes}`);
    assert.equal(t.manager.snapshot().vips[0]?.held, false);
    const waits = t.events("vip_wait");
    assert.equal(waits.length, t.vip.probes);
    assert.equal(waits.filter((line) => line["level"] === "info").length, 1, "logged at info once");
    assert.equal(waits.at(-1)?.["probe"], "answered");
    assert.equal(waits.at(-1)?.["waited_ms"], 300);
    // The old holder's address expires: the next reconcile binds.
    t.vip.elsewhere = false;
    t.advance(100);
    t.manager.tick();
    await t.settle();
    assert.deepEqual(t.vip.actions, ["hold"]);
    assert.equal(t.manager.snapshot().vips[0]?.held, true);
    assert.equal(t.events("vip_address_in_use").length, 0);
  });

  void it("past bind_wait_max_ms: one error with its code and event, still no bind, counted", async () => {
    const t = setup();
    t.vip.elsewhere = true;
    t.topology.current = { kind: "record", record: record(3, HERE), revision: 1 };
    t.manager.start();
    await t.manager.attach(t.topology);
    await t.settle();
    // Contact stays fresh (reads succeed) while the wait passes its bound.
    for (let waited = 0; waited <= BIND_WAIT_MAX_MS + 200; waited += 100) {
      t.advance(100);
      t.manager.tick();
      await t.settle();
    }
    assert.deepEqual(t.vip.actions, [], "fail closed: never two holders");
    const conflicts = t.events("vip_address_in_use");
    assert.equal(conflicts.length, 1, "reported once per wait");
    const [conflict] = conflicts;
    assert.ok(conflict !== undefined);
    assert.equal(conflict["code"], "SP_ERR_VIP_ADDRESS_IN_USE");
    assert.equal(conflict["wait_max_ms"], BIND_WAIT_MAX_MS);
    const notified = t.hooks.scheduled.filter((argv) => argv[1] === "-vip-address-in-use");
    assert.equal(notified.length, 1);
    assert.equal(t.manager.snapshot().vips[0]?.address_conflicts, 1);
    t.vip.elsewhere = false;
    t.manager.tick();
    await t.settle();
    assert.deepEqual(t.vip.actions, ["hold"], "bound once the address is free");
  });
});
