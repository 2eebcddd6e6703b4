// The restarter over a manual clock and timer queue: its back-off and primary-wait timers run only
// through the Timers port, so the time a restart happens is the test's to move.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Address } from "@sentinel-plane/core";
import { Restarter } from "./restarter.js";
import type { RestartObservation, RestarterOptions } from "./restarter.js";
import { FakeTime } from "./test-support.js";

const SELF: Address = { host: "10.0.0.1", port: 6379 };
const OTHER: Address = { host: "10.0.0.2", port: 6379 };

const OPTIONS: RestarterOptions = {
  enabled: true,
  policy: {
    backoff_initial_ms: 1000,
    backoff_max_ms: 8000,
    stable_after_ms: 60_000,
    crash_loop_max: 3,
    crash_loop_window_ms: 60_000,
  },
  primary_wait_ms: 5000,
  self: SELF,
  topology_followed: true,
};

function master(keys: number): RestartObservation {
  return { answered: true, info: { role: "master" }, keys, loading: false };
}

class Harness {
  readonly time = new FakeTime();
  readonly starts: { at_ms: number; args: readonly string[] }[] = [];
  readonly released: (Address | null)[] = [];
  readonly events: string[] = [];
  primary: Address | null = SELF;
  readonly restarter: Restarter;

  constructor(options: Partial<RestarterOptions> = {}) {
    const log = (fields: Record<string, unknown>): void => {
      this.events.push(String(fields.event));
    };
    const time = this.time;
    this.restarter = new Restarter(
      { ...OPTIONS, ...options },
      {
        logger: { info: log, warn: log, error: log },
        counters: { inc: () => 0 },
        clock: { now_ms: () => time.now_ms },
        timers: {
          after: (delay_ms, run) => time.after(delay_ms, run),
          soon: (run) => {
            time.soon(run);
          },
        },
        committedPrimary: () => this.primary,
        startServer: (args) => {
          this.starts.push({ at_ms: time.now_ms, args });
          return Promise.resolve();
        },
        releaseHeld: (primary) => {
          this.released.push(primary);
          return Promise.resolve(true);
        },
        changed: () => undefined,
      },
    );
  }

  /** A running master with 5 keys, the committed primary, exits (SIGKILL). */
  primaryCrashed(): void {
    this.restarter.started();
    this.restarter.onObservation(master(5));
    this.restarter.onExit();
  }
}

void test("an exited replica restarts after the back-off, doubled after each crash, then a crash loop", async () => {
  const h = new Harness();
  h.primary = OTHER;
  h.restarter.started();
  h.restarter.onExit();
  assert.equal(h.restarter.report().restart.state, "backoff");
  await h.time.advanceTo(999);
  assert.deepEqual(h.starts, [], "not before restart_delay_ms");
  await h.time.advanceTo(1000);
  assert.deepEqual(h.starts, [{ at_ms: 1000, args: ["--replicaof", "10.0.0.2", "6379"] }]);
  h.restarter.onExit();
  await h.time.advanceTo(2999);
  assert.equal(h.starts.length, 1, "the second delay is doubled");
  await h.time.advanceTo(3000);
  assert.equal(h.starts.length, 2);
  h.restarter.onExit();
  assert.equal(h.restarter.report().restart.state, "crash_loop");
  await h.time.advanceTo(60_000);
  assert.equal(h.starts.length, 2, "no timer left in a crash loop");
});

void test("a crashed committed primary waits for another primary, then follows it at once", async () => {
  const h = new Harness();
  h.primaryCrashed();
  await h.time.advanceTo(1000);
  assert.equal(h.restarter.report().restart.state, "waiting_for_primary");
  assert.deepEqual(h.starts, []);
  await h.time.advanceTo(2500);
  h.primary = OTHER;
  h.restarter.onTopology();
  await h.time.advanceTo(2500);
  assert.deepEqual(h.starts, [{ at_ms: 2500, args: ["--replicaof", "10.0.0.2", "6379"] }]);
  await h.time.advanceTo(20_000);
  assert.equal(h.starts.length, 1, "the primary-wait timer was cancelled");
});

void test("no other primary by the primary wait: started held, released fenced once its data is seen", async () => {
  const h = new Harness();
  h.primaryCrashed();
  await h.time.advanceTo(4999);
  assert.deepEqual(h.starts, [], "waits primary_wait_ms from the exit");
  await h.time.advanceTo(5000);
  assert.deepEqual(h.starts, [{ at_ms: 5000, args: ["--replicaof", "10.0.0.1", "6379"] }]);
  assert.equal(h.restarter.report().restart.state, "held");
  h.restarter.onObservation(master(5));
  await h.time.advanceTo(5000);
  assert.deepEqual(h.released, [null]);
  assert.equal(h.restarter.report().restart.state, "running");
  assert.equal(h.restarter.report().data_lost, false);
});

void test("held and back empty: data_lost, not released", async () => {
  const h = new Harness();
  h.primaryCrashed();
  await h.time.advanceTo(5000);
  h.restarter.onObservation(master(0));
  await h.time.advanceTo(5000);
  assert.deepEqual(h.released, []);
  assert.equal(h.restarter.report().data_lost, true);
  assert.equal(h.restarter.report().restart.state, "held");
  assert.ok(h.events.includes("empty_after_restart"));
});

void test("stop cancels a scheduled restart: its timer dies with the process", async () => {
  const h = new Harness();
  h.primary = OTHER;
  h.restarter.started();
  h.restarter.onExit();
  h.restarter.stop();
  await h.time.advanceTo(10_000);
  assert.deepEqual(h.starts, []);
});
