// The data-node's command path over in-memory ports: a journal of what it persisted, probed and
// sent to the server, in order, and a server that is whatever the test says.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LeaseGrant, LeaseRequest } from "@sentinel-plane/protocol";
import { FENCE_MARKER } from "@sentinel-plane/core/data-node";
import type { AcceptedEpoch } from "@sentinel-plane/core/data-node";
import { DataNodeCommands } from "./commands.js";
import type { CommandOutcome, CommandRequest } from "./commands.js";
import { DataNodeLoop } from "./loop.js";
import type { DataNodePorts, Observed } from "./ports.js";
import { FakeTime } from "./test-support.js";

const MASTER: Observed = { answered: true, role: "master", min_replicas_to_write: 0, config_file: "" };
const REPLICA: Observed = { ...MASTER, role: "slave" };

class Harness {
  readonly time = new FakeTime();
  /** What the command path did, in order. */
  readonly journal: string[] = [];
  readonly bus: LeaseRequest[] = [];
  server: Observed = REPLICA;
  accepted: AcceptedEpoch = { epoch: 5, issuer: "a1" };
  readonly loop: DataNodeLoop;
  readonly commands: DataNodeCommands;

  constructor() {
    this.loop = new DataNodeLoop(
      {
        node_id: "n1",
        master_name: "mymaster",
        announce: { host: "10.0.0.1", port: 6379 },
        lease_ms: 500,
        hang_fence_after_ms: 500,
        failsafe_agents: ["http://a1", "http://a2", "http://a3"],
      },
      this.#loopPorts(),
    );
    this.loop.bus_connected = true;
    this.commands = new DataNodeCommands(
      { lease_ms: 500 },
      {
        loop: this.loop,
        redis: this.#loopPorts().redis,
        server: {
          promote: (_has_config_file, fence) => {
            this.journal.push(`promote (fence ${fence})`);
            const fenced =
              fence === "set" || (fence === "keep" && this.server.min_replicas_to_write === FENCE_MARKER);
            this.server = {
              ...this.server,
              role: "master",
              min_replicas_to_write: fenced ? FENCE_MARKER : 0,
            };
            return Promise.resolve({ ok: true, value: ["REPLICAOF NO ONE"] });
          },
          replicaof: (target) => {
            this.journal.push(`replicaof ${target.host}:${target.port}`);
            this.server = { ...this.server, role: "slave" };
            return Promise.resolve({ ok: true, value: ["REPLICAOF"] });
          },
        },
        epochs: {
          accepted: () => this.accepted,
          accept: (next) => {
            this.journal.push(`persist epoch ${next.epoch} ${next.issuer ?? "none"}`);
            this.accepted = next;
            return Promise.resolve({ ok: true, value: undefined });
          },
        },
        probeError: () => (this.server.answered === true ? null : "connect ECONNREFUSED"),
        strict: null,
        beforePromote: () => Promise.resolve(),
        status: { note: () => undefined, error: () => undefined, changed: () => undefined },
        counters: { inc: () => 1 },
      },
    );
  }

  #loopPorts(): DataNodePorts {
    const time = this.time;
    return {
      clock: { now_ms: () => time.now_ms },
      timers: { after: (delay_ms, run) => time.after(delay_ms, run), soon: () => undefined },
      bus: { open: () => true, publish: (request) => this.bus.push(request) },
      direct: null,
      watchdog: null,
      redis: {
        current: () => this.server,
        exited: () => false,
        unansweredSinceMs: () => null,
        epoch: () => this.accepted.epoch,
        queued: () => undefined,
        freshProbe: () => {
          this.journal.push("probe");
          this.loop.observe(this.server, this.loop.fence_generation);
          return Promise.resolve();
        },
        saveFence: (fence_saved) => {
          this.journal.push(`persist fence_saved ${fence_saved ?? "kept"}`);
          return Promise.resolve({ ok: true, value: undefined });
        },
        fence: () => {
          this.journal.push("fence");
          this.server = { ...this.server, min_replicas_to_write: FENCE_MARKER };
          return Promise.resolve({ ok: true, value: ["fenced"] });
        },
        unfence: () => {
          this.journal.push("unfence");
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

  /** Runs a command to its end, moving the clock `run_ms` on (a promote waits for its lease). */
  async run(request: CommandRequest, run_ms = 0): Promise<CommandOutcome> {
    const outcome = this.commands.execute(request);
    await this.time.advanceTo(this.time.now_ms + run_ms);
    return outcome;
  }
}

function grant(request: LeaseRequest, from: string, epoch: number): LeaseGrant {
  return {
    v: 1,
    type: "lease_grant",
    from,
    node_id: request.node_id,
    master_name: request.master_name,
    seq: request.seq,
    granted: true,
    config_epoch: epoch,
    epoch,
    lease_ms: 500,
    agents_known: 3,
  };
}

void test("an epoch older than the accepted one is refused: nothing persisted, probed or sent", async () => {
  const h = new Harness();
  const outcome = await h.run({ epoch: 4, issuer: "a2", command: { type: "fence" } });
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.code, "SP_ERR_STALE_EPOCH");
  assert.deepEqual(h.journal, []);
  assert.deepEqual(h.accepted, { epoch: 5, issuer: "a1" });
});

void test("a newer epoch is persisted before the probe and the transaction, and says so", async () => {
  const h = new Harness();
  const outcome = await h.run({
    epoch: 6,
    issuer: "a2",
    command: { type: "replicaof", host: "10.0.0.2", port: 6379 },
  });
  assert.deepEqual(h.journal, ["persist epoch 6 a2", "probe", "replicaof 10.0.0.2:6379", "probe"]);
  assert.deepEqual(outcome, { ok: true, done: ["accepted epoch 6 from a2", "REPLICAOF"] });
});

void test("a server that does not answer the fresh probe: refused, the epoch still accepted", async () => {
  const h = new Harness();
  h.server = { answered: false, role: null, min_replicas_to_write: null, config_file: null };
  const outcome = await h.run({ epoch: 6, issuer: "a2", command: { type: "fence" } });
  assert.ok(!outcome.ok);
  assert.equal(outcome.error.code, "SP_ERR_REDIS_UNAVAILABLE");
  assert.match(outcome.error.message, /ECONNREFUSED/);
  assert.deepEqual(h.journal, ["persist epoch 6 a2", "probe"]);
});

void test("a fence persists the value its unfence restores before the transaction", async () => {
  const h = new Harness();
  h.server = MASTER;
  const outcome = await h.run({ epoch: 5, issuer: "a1", command: { type: "fence" } });
  assert.ok(outcome.ok);
  assert.deepEqual(h.journal, ["probe", "persist fence_saved 0", "fence", "probe"]);
});

void test("a promote on a replica asks for its lease first, and goes writable in one transaction when a majority grants in time", async () => {
  const h = new Harness();
  const outcome = h.commands.execute({ epoch: 6, issuer: "a2", command: { type: "promote" } });
  await h.time.advanceTo(1);
  const request = h.bus.at(-1);
  assert.ok(request !== undefined, "the lease of the promote's epoch is asked for first");
  assert.equal(request.promoted, true);
  assert.deepEqual(h.journal, ["persist epoch 6 a2", "probe"], "nothing sent before the lease");
  h.loop.grant(grant(request, "a1", 6));
  h.loop.grant(grant(request, "a2", 6));
  await h.time.advanceTo(2);
  const done = await outcome;
  assert.deepEqual(h.journal, ["persist epoch 6 a2", "probe", "promote (fence keep)", "probe"]);
  assert.ok(done.ok);
  assert.equal(done.done.at(-1), "writable under a lease of this epoch");
  assert.equal(h.server.min_replicas_to_write, 0);
  assert.equal(h.loop.lease_fenced, false);
});

void test("a promote whose lease no majority grants in time goes master fenced, and says so", async () => {
  const h = new Harness();
  const outcome = h.commands.execute({ epoch: 6, issuer: "a2", command: { type: "promote" } });
  await h.time.advanceTo(1);
  const request = h.bus.at(-1);
  assert.ok(request !== undefined);
  h.loop.grant(grant(request, "a1", 6)); // one of three: no majority
  const requests = h.bus.length;
  await h.time.advanceTo(200); // past promoteLeaseWaitMs(500) = 125
  const done = await outcome;
  assert.deepEqual(h.journal, [
    "persist epoch 6 a2",
    "probe",
    "persist fence_saved 0",
    "promote (fence set)",
    "probe",
  ]);
  assert.ok(done.ok);
  assert.equal(done.done.at(-1), "kept fenced until a lease of this epoch");
  assert.equal(h.server.role, "master");
  assert.equal(h.server.min_replicas_to_write, FENCE_MARKER);
  assert.equal(h.loop.lease_fenced, true, "its own lease fence: lifted when a lease returns");
  assert.ok(h.bus.length > requests, "asked for the lease again at once");
});

void test("an unfence without a valid lease keeps the fence and sends nothing to the server", async () => {
  const h = new Harness();
  h.server = { ...MASTER, min_replicas_to_write: FENCE_MARKER };
  const outcome = await h.run({ epoch: 5, issuer: "a1", command: { type: "unfence" } });
  assert.deepEqual(outcome, { ok: true, done: ["kept fenced: no valid write lease"] });
  assert.deepEqual(h.journal, ["probe", "probe"]);
  assert.equal(h.loop.lease_fenced, true);
});
