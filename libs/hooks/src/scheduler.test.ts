import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SENTINEL_HOOK_LIMITS, hookLimits, scriptRetryDelayMs } from "./limits.js";
import { pendingScriptFields, pendingScripts, scriptCounters } from "./pending.js";
import type { HookLimits } from "./limits.js";
import type { SchedulerEffect, SchedulerInput, SchedulerState } from "./scheduler.js";
import { initialSchedulerState, nextWakeMs, step } from "./scheduler.js";

/** A scheduler driven by a fake clock, recording every effect. */
class Harness {
  state: SchedulerState = initialSchedulerState();
  effects: SchedulerEffect[] = [];
  now_ms = 1_000;
  next_pid = 100;
  constructor(readonly limits: HookLimits = SENTINEL_HOOK_LIMITS) {}

  feed(input: SchedulerInput): SchedulerEffect[] {
    const result = step(this.limits, this.state, input);
    this.state = result.state;
    this.effects.push(...result.effects);
    // Carry out spawns as the executor does: each one reports its pid at once.
    for (const effect of result.effects) {
      if (effect.kind === "spawn") {
        this.feed({ kind: "spawned", now_ms: this.now_ms, job_id: effect.job_id, pid: this.next_pid++ });
      }
    }
    return [...result.effects];
  }
  schedule(...argv: string[]): number {
    const job_id = this.state.next_job_id;
    this.feed({ kind: "schedule", now_ms: this.now_ms, argv });
    return job_id;
  }
  exit(job_id: number, exit_code: number, signal_number = 0): SchedulerEffect[] {
    return this.feed({ kind: "exited", now_ms: this.now_ms, job_id, exit_code, signal_number });
  }
  advance(ms: number): SchedulerEffect[] {
    this.now_ms += ms;
    return this.feed({ kind: "tick", now_ms: this.now_ms });
  }
  job(job_id: number) {
    const job = this.state.jobs.find((candidate) => candidate.job_id === job_id);
    assert.ok(job !== undefined, `job ${job_id} not queued`);
    return job;
  }
  events(type?: string): string[] {
    return this.effects
      .filter((effect) => effect.kind === "event" && (type === undefined || effect.event.type === type))
      .map((effect) => (effect.kind === "event" ? `${effect.event.type} ${effect.event.message}` : ""));
  }
  spawns(): number {
    return this.effects.filter((effect) => effect.kind === "spawn").length;
  }
}

void describe("hook scheduler (Sentinel's script rules, fake clock)", () => {
  void it("starts a scheduled script at once and removes it after exit 0, with child events", () => {
    const h = new Harness();
    const job_id = h.schedule("/s.sh", "mymaster", "leader");
    assert.deepEqual(h.effects[0], { kind: "spawn", job_id, argv: ["/s.sh", "mymaster", "leader"] });
    assert.equal(h.job(job_id).pid, 100);
    assert.equal(h.job(job_id).retry_num, 1);
    h.exit(job_id, 0);
    assert.equal(h.state.jobs.length, 0);
    assert.deepEqual(h.events(), ["+script-child 100", "-script-child 100 0 0"]);
    assert.ok(h.effects.some((e) => e.kind === "finished" && e.outcome === "ok"));
  });

  void it("uses Sentinel's retry delay: 30 s doubled per retry (30 s, 60 s, 2 min ... 128 min)", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => scriptRetryDelayMs(n, 30_000));
    assert.deepEqual(
      delays,
      [30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_840_000, 7_680_000],
    );
  });

  void it("retries exit 1 after the back-off, not before, and reports after 10 runs in total", () => {
    const h = new Harness();
    const job_id = h.schedule("/s.sh");
    for (let run = 1; run <= 10; run++) {
      assert.equal(h.spawns(), run);
      assert.equal(h.job(job_id).retry_num, run);
      h.exit(job_id, 1);
      if (run === 10) break;
      const delay_ms = scriptRetryDelayMs(run, 30_000);
      assert.equal(h.job(job_id).running, false);
      assert.equal(h.job(job_id).start_ms, h.now_ms + delay_ms);
      assert.equal(nextWakeMs(h.limits, h.state), h.now_ms + delay_ms);
      h.advance(delay_ms - 1);
      assert.equal(h.spawns(), run, "no retry before the delay");
      h.advance(1);
    }
    assert.equal(h.state.jobs.length, 0);
    assert.deepEqual(h.events("-script-error"), ["-script-error /s.sh 0 1"]);
  });

  void it("does not retry exit 2 or higher and reports it", () => {
    for (const exit_code of [2, 3, 127]) {
      const h = new Harness();
      const job_id = h.schedule("/s.sh");
      h.exit(job_id, exit_code);
      assert.equal(h.state.jobs.length, 0);
      assert.equal(h.spawns(), 1);
      assert.deepEqual(h.events("-script-error"), [`-script-error /s.sh 0 ${exit_code}`]);
    }
  });

  void it("retries a script killed by a signal", () => {
    const h = new Harness();
    const job_id = h.schedule("/s.sh");
    h.exit(job_id, 0, 15);
    assert.equal(h.job(job_id).running, false);
    assert.deepEqual(h.events("-script-child"), ["-script-child 100 0 15"]);
    assert.deepEqual(h.events("-script-error"), []);
    h.advance(30_000);
    assert.equal(h.spawns(), 2);
  });

  void it("reports a failed spawn as Sentinel's exec failure (exit 2), without retry", () => {
    const h = new Harness();
    const job_id = h.state.next_job_id;
    const result = step(h.limits, h.state, { kind: "schedule", now_ms: 0, argv: ["/missing.sh"] });
    const failed = step(h.limits, result.state, {
      kind: "spawn_failed",
      now_ms: 0,
      job_id,
      error: "ENOENT",
    });
    assert.equal(failed.state.jobs.length, 0);
    assert.ok(
      failed.effects.some(
        (e) =>
          e.kind === "event" && e.event.type === "-script-error" && e.event.message === "/missing.sh 0 2",
      ),
    );
  });

  void it("kills a run that exceeds 60 s (strictly more), once, then retries it", () => {
    const h = new Harness();
    const job_id = h.schedule("/hang.sh");
    assert.equal(nextWakeMs(h.limits, h.state), h.now_ms + 60_001);
    h.advance(60_000);
    assert.deepEqual(h.events("-script-timeout"), [], "exactly 60 s is not yet too long");
    const effects = h.advance(1);
    assert.deepEqual(
      effects.filter((e) => e.kind === "kill"),
      [{ kind: "kill", job_id, pid: 100 }],
    );
    assert.deepEqual(h.events("-script-timeout"), ["-script-timeout /hang.sh 100"]);
    assert.equal(nextWakeMs(h.limits, h.state), null, "kill sent: nothing to wait for but the exit");
    h.advance(5_000);
    assert.equal(h.effects.filter((e) => e.kind === "kill").length, 1);
    h.exit(job_id, 0, 9);
    assert.equal(h.job(job_id).running, false);
    assert.equal(h.job(job_id).retry_num, 1);
  });

  void it("runs at most 16 scripts at once, oldest first", () => {
    const h = new Harness();
    const ids = Array.from({ length: 20 }, (_, i) => h.schedule(`/s${i}.sh`));
    assert.equal(h.spawns(), 16);
    assert.deepEqual(scriptCounters(h.state), {
      running_scripts: 16,
      scripts_queue_length: 20,
      scripts_dropped_total: 0,
    });
    const first = ids[0];
    assert.ok(first !== undefined);
    h.exit(first, 0);
    assert.equal(h.spawns(), 17);
    assert.equal(h.job(ids[16] ?? -1).running, true, "the oldest waiting job starts next");
    assert.equal(h.job(ids[17] ?? -1).running, false);
  });

  void it("a job waiting for its retry does not block younger jobs", () => {
    const h = new Harness(hookLimits({ scripts_running_max: 1, scripts_queue_max: 4 }));
    const a = h.schedule("/a.sh");
    const b = h.schedule("/b.sh");
    h.exit(a, 1);
    assert.equal(h.job(b).running, true);
    assert.equal(h.job(a).running, false);
  });

  void it("keeps at most 256 jobs and drops the oldest waiting one, never a running one", () => {
    const h = new Harness();
    const ids = Array.from({ length: 256 }, (_, i) => h.schedule(`/s${i}.sh`));
    assert.equal(h.state.jobs.length, 256);
    const extra = h.schedule("/extra.sh");
    assert.equal(h.state.jobs.length, 256);
    assert.equal(scriptCounters(h.state).scripts_dropped_total, 1);
    const queued = new Set(h.state.jobs.map((job) => job.job_id));
    for (const id of ids.slice(0, 16)) assert.ok(queued.has(id), "running jobs are kept");
    assert.ok(!queued.has(ids[16] ?? -1), "the oldest waiting job is dropped");
    assert.ok(queued.has(ids[17] ?? -1));
    assert.ok(queued.has(extra));
    const dropped = h.effects.filter((e) => e.kind === "finished" && e.outcome === "dropped");
    assert.equal(dropped.length, 1);
  });

  void it("drops a job waiting for its retry when it is the oldest waiting one", () => {
    const h = new Harness(hookLimits({ scripts_running_max: 1, scripts_queue_max: 3 }));
    const a = h.schedule("/a.sh");
    const b = h.schedule("/b.sh");
    const c = h.schedule("/c.sh");
    h.exit(a, 1); // a waits 30 s for its retry; b runs now
    assert.deepEqual(
      h.state.jobs.map((job) => [job.job_id, job.running]),
      [
        [a, false],
        [b, true],
        [c, false],
      ],
    );
    const d = h.schedule("/d.sh");
    assert.deepEqual(
      h.state.jobs.map((job) => job.job_id),
      [b, c, d],
    );
  });

  void it("lists pending scripts as SENTINEL PENDING-SCRIPTS does", () => {
    const h = new Harness(hookLimits({ scripts_running_max: 1, scripts_queue_max: 4 }));
    const a = h.schedule("/a.sh", "x y");
    h.schedule("/b.sh");
    h.now_ms += 250;
    let listed = pendingScripts(h.state, h.now_ms);
    assert.deepEqual(listed, [
      { argv: ["/a.sh", "x y"], flags: "running", pid: 100, run_time_ms: 250, retry_num: 1 },
      { argv: ["/b.sh"], flags: "scheduled", pid: 0, run_delay_ms: 0, retry_num: 0 },
    ]);
    h.exit(a, 1);
    h.now_ms += 10_000;
    listed = pendingScripts(h.state, h.now_ms);
    const a_entry = listed.find((entry) => entry.argv[0] === "/a.sh");
    assert.ok(a_entry !== undefined);
    assert.deepEqual(pendingScriptFields(a_entry), [
      "argv",
      ["/a.sh", "x y"],
      "flags",
      "scheduled",
      "pid",
      0,
      "run-delay",
      20_000,
      "retry-num",
      1,
    ]);
  });

  void it("refuses inputs about jobs that are not running (programmer errors)", () => {
    const h = new Harness();
    assert.throws(() => h.exit(42, 0));
    const job_id = h.schedule("/s.sh");
    h.exit(job_id, 0);
    assert.throws(() => h.exit(job_id, 0));
  });

  void it("refuses limits where a full queue could hold only running jobs", () => {
    assert.throws(() => hookLimits({ scripts_running_max: 4, scripts_queue_max: 4 }));
  });
});
