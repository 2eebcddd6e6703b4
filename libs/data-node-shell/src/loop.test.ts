// The data-node's lease and self-fence loop over fake ports: a manual clock and timer queue, a
// server that is whatever the test says, and a record of what was sent, fenced and lifted.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LeaseGrant, LeaseRequest, Result } from "@sentinel-plane/protocol";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { WatchdogLine } from "@sentinel-plane/core/data-node";
import { DataNodeLoop } from "./loop.js";
import type { DataNodeLoopOptions } from "./loop.js";
import type { DataNodePorts, Observed } from "./ports.js";
import { FakeTime } from "./test-support.js";

const WRITABLE: Observed = { answered: true, role: "master", min_replicas_to_write: 0, config_file: "" };
const FENCED: Observed = { ...WRITABLE, min_replicas_to_write: FENCE_MARKER };

class Harness {
  readonly time = new FakeTime();
  readonly bus: LeaseRequest[] = [];
  readonly direct: LeaseRequest[] = [];
  readonly lines: (WatchdogLine | null)[] = [];
  readonly done: string[] = [];
  server: Observed = WRITABLE;
  unanswered_since_ms: number | null = null;
  /** Probes sent (freshProbe); each one's observation schedules an evaluation, as node.ts #observe. */
  probes = 0;
  /** What the state write answers (a slow disk: a promise that does not settle yet). */
  saving: Promise<Result<void>> = Promise.resolve({ ok: true, value: undefined });
  readonly loop: DataNodeLoop;
  #commands = Promise.resolve();

  constructor(options: Partial<DataNodeLoopOptions> = {}) {
    this.loop = new DataNodeLoop(
      {
        node_id: "n1",
        master_name: "mymaster",
        announce: { host: "10.0.0.1", port: 6379 },
        lease_ms: 500,
        hang_fence_after_ms: 500,
        failsafe_agents: ["http://a1", "http://a2", "http://a3"],
        ...options,
      },
      this.#ports(),
    );
  }

  #ports(): DataNodePorts {
    const time = this.time;
    return {
      clock: { now_ms: () => time.now_ms },
      timers: {
        after: (delay_ms, run) => time.after(delay_ms, run),
        soon: (run) => {
          time.soon(run);
        },
      },
      bus: { open: () => true, publish: (request) => this.bus.push(request) },
      direct: { request: (request) => this.direct.push(request) },
      watchdog: { send: (line) => this.lines.push(line) },
      redis: {
        current: () => this.server,
        exited: () => false,
        unansweredSinceMs: () => this.unanswered_since_ms,
        epoch: () => 3,
        queued: (change, failed) => {
          this.#commands = this.#commands.then(change).catch(failed);
        },
        freshProbe: () => {
          this.probes += 1;
          this.loop.observe(this.server, this.loop.fence_generation);
          // Capped: a loop that probes on every evaluation fails its test instead of hanging it.
          if (this.probes < 100) this.loop.scheduleEvaluation();
          return Promise.resolve();
        },
        saveFence: () => this.saving,
        fence: () => {
          this.done.push("fence");
          // A hung server answers nothing: the fence waits on the connection (a probe settles it).
          if (this.server.answered !== true) return new Promise(() => undefined);
          this.server = { ...this.server, min_replicas_to_write: FENCE_MARKER };
          return Promise.resolve({ ok: true, value: ["fenced"] });
        },
        unfence: () => {
          this.done.push("unfence");
          this.server = { ...this.server, min_replicas_to_write: 0 };
          return Promise.resolve({ ok: true, value: ["unfenced"] });
        },
        clearFenceSaved: () => Promise.resolve(),
        strictHoldsFence: () => false,
      },
      status: { note: () => undefined, error: () => undefined, publish: () => undefined },
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
      counters: { inc: () => 1 },
    };
  }
}

function harness(options: Partial<DataNodeLoopOptions> = {}): Harness {
  return new Harness(options);
}

function grant(request: LeaseRequest, from: string, lease_ms = 500): LeaseGrant {
  return {
    v: 1,
    type: "lease_grant",
    from,
    node_id: request.node_id,
    master_name: request.master_name,
    seq: request.seq,
    granted: true,
    config_epoch: 3,
    epoch: 3,
    lease_ms,
    agents_known: 3,
  };
}

void test("a writable master without a lease is fenced, and lifted once a majority grants one", async () => {
  const h = harness();
  h.loop.bus_connected = true;
  h.loop.start();
  h.loop.observe(h.server, 0);
  h.loop.scheduleEvaluation();
  await h.time.advanceTo(1);
  assert.deepEqual(h.done, ["fence"], "no lease since the start: fenced at once");
  assert.equal(h.loop.lease_fenced, true);
  await h.time.advanceTo(125); // the first lease tick: a quarter of the lease
  const request = h.bus.at(-1);
  assert.ok(request !== undefined, "a fenced master still asks for the lease");
  h.loop.grant(grant(request, "a1"));
  await h.time.advanceTo(126);
  assert.deepEqual(h.done, ["fence"], "one grant of three is no majority");
  h.loop.grant(grant(request, "a2"));
  await h.time.advanceTo(127);
  assert.deepEqual(h.done, ["fence", "unfence"]);
  assert.equal(h.loop.lease_fenced, false);
});

/** A master promoted fenced that a majority leased at 0 ms, its lease fence lifted by 1 ms. */
async function leasedAt1(): Promise<Harness> {
  const h = harness();
  h.loop.bus_connected = true;
  h.loop.start();
  h.server = FENCED; // as promoted fenced: its own lease fence
  h.loop.lease_fenced = true;
  h.loop.requestLease();
  const request = h.bus.at(-1);
  assert.ok(request !== undefined);
  h.loop.grant(grant(request, "a1"));
  h.loop.grant(grant(request, "a2"));
  await h.time.advanceTo(1);
  assert.deepEqual(h.done, ["unfence"]);
  return h;
}

void test("the lease end fences a master whose grants stopped, before the lease runs out", async () => {
  const h = await leasedAt1();
  await h.time.advanceTo(499); // no grant since: the watchdog's lead fences before 500
  assert.deepEqual(h.done, ["unfence", "fence"]);
  assert.ok(h.bus.length >= 4, `lease requests every quarter of the lease: ${h.bus.length}`);
});

void test("the lease end's fence does not wait for the state write (a slow fsync)", async () => {
  const h = await leasedAt1();
  h.saving = new Promise(() => undefined); // the disk never answers in this test
  await h.time.advanceTo(499);
  assert.deepEqual(h.done, ["unfence", "fence"], "fenced before the lease's end all the same");
});

void test("with the bus down, lease requests go to the agents directly", () => {
  const h = harness();
  h.loop.bus_connected = false;
  h.loop.requestLease();
  assert.equal(h.direct.length, 1);
  assert.equal(h.bus.length, 1, "the client is open: published too, for when it reconnects");
  h.server = { ...WRITABLE, role: "slave" };
  h.loop.requestLease();
  assert.equal(h.direct.length + h.bus.length, 2, "a replica asks for no lease");
});

void test("a hung writable master gets the fence queued; a probe sent after it settles it", async () => {
  const h = harness({ lease_ms: 0 });
  h.loop.observe(WRITABLE, 0);
  h.server = { answered: false, role: null, min_replicas_to_write: null, config_file: null };
  h.unanswered_since_ms = 0;
  await h.time.advanceTo(400);
  h.loop.scheduleEvaluation();
  await h.time.advanceTo(400);
  assert.deepEqual(h.done, [], "not yet hang_fence_after_ms");
  await h.time.advanceTo(501);
  h.loop.scheduleEvaluation();
  await h.time.advanceTo(501);
  assert.deepEqual(h.done, ["fence"]);
  assert.equal(h.loop.fence_generation, 1);
  h.loop.observe(FENCED, 1); // the server resumed: the fence ran
  h.server = FENCED;
  h.unanswered_since_ms = null;
  h.loop.scheduleEvaluation();
  await h.time.advanceTo(600);
  assert.deepEqual(h.done, ["fence"], "settled: not fenced again");
});

void test("after stop, no lease tick, evaluation or watchdog line", async () => {
  const h = harness();
  h.loop.bus_connected = true;
  h.loop.start();
  h.loop.stop();
  const lines = h.lines.length;
  h.loop.scheduleEvaluation();
  h.loop.feedWatchdog();
  await h.time.advanceTo(2000);
  assert.deepEqual([h.bus.length, h.done.length, h.lines.length - lines], [0, 0, 0]);
});

void test("a lease fence is not retried per probe while the server is dead: the next answer does it", async () => {
  const h = harness();
  h.loop.bus_connected = true;
  h.loop.start();
  h.server = FENCED; // its own lease fence, then the server died under it
  h.loop.lease_fenced = true;
  h.loop.requestLease();
  const request = h.bus.at(-1);
  assert.ok(request !== undefined);
  h.server = { ...FENCED, answered: false };
  h.loop.grant(grant(request, "a1"));
  h.loop.grant(grant(request, "a2"));
  await h.time.advanceTo(50); // the lease holds throughout: only a probe's answer is missing
  assert.deepEqual(h.done, [], "nothing to lift on a server that does not answer");
  assert.ok(h.probes <= 1, `at most one probe for the lift while the server is dead: ${h.probes}`);
  h.server = FENCED; // it answers again (the poll's probe)
  h.loop.observe(h.server, h.loop.fence_generation);
  h.loop.scheduleEvaluation();
  await h.time.advanceTo(51);
  assert.deepEqual(h.done, ["unfence"], "lifted on the first answer while the lease holds");
  assert.equal(h.loop.lease_fenced, false);
});
