// The executor with real scripts in a temp dir; limits shortened so retries and kills are quick.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { hookLimits } from "./limits.js";
import { HookRunner } from "./runner.js";
import { ScriptDir } from "./test-scripts.js";
import type { ScriptEvent } from "./scheduler.js";

const scripts = new ScriptDir("sp-hooks-");

function runnerWithEvents(limits = hookLimits({ script_retry_delay_ms: 20 })) {
  const events: ScriptEvent[] = [];
  const runner = new HookRunner({ limits, on_event: (event) => events.push(event) });
  const named = (type: string) => events.filter((e) => e.type === type).map((e) => e.message);
  return { runner, events, named };
}

/** True once the process no longer exists or is a zombie (dead, waiting to be reaped). */
async function goneWithin(pid: number, deadline_ms: number): Promise<boolean> {
  const until_ms = performance.now() + deadline_ms;
  while (performance.now() < until_ms) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

function lines(path: string): string[] {
  return existsSync(path)
    ? readFileSync(path, "utf8")
        .split("\n")
        .filter((l) => l !== "")
    : [];
}

void describe("HookRunner with real scripts", () => {
  void it("retries a script that exits 1 until it succeeds", async () => {
    const count = join(scripts.dir, "retry.count");
    const path = scripts.script(
      "retry.sh",
      `echo run >> '${count}'\n[ "$(wc -l < '${count}')" -ge 3 ] && exit 0\nexit 1`,
    );
    const { runner, named } = runnerWithEvents();
    runner.schedule([path]);
    await runner.whenIdle();
    assert.equal(lines(count).length, 3);
    assert.equal(named("+script-child").length, 3);
    assert.deepEqual(named("-script-error"), []);
    await runner.close();
  });

  void it("gives up after the configured runs of exit 1 and reports -script-error", async () => {
    const count = join(scripts.dir, "always1.count");
    const path = scripts.script("always1.sh", `echo run >> '${count}'\nexit 1`);
    const { runner, named } = runnerWithEvents(hookLimits({ script_retry_delay_ms: 5, script_runs_max: 4 }));
    runner.schedule([path]);
    await runner.whenIdle();
    assert.equal(lines(count).length, 4);
    assert.deepEqual(named("-script-error"), [`${path} 0 1`]);
    await runner.close();
  });

  void it("does not retry exit 2 and reports it", async () => {
    const count = join(scripts.dir, "exit2.count");
    const path = scripts.script("exit2.sh", `echo run >> '${count}'\nexit 2`);
    const { runner, named } = runnerWithEvents();
    runner.schedule([path]);
    await runner.whenIdle();
    assert.equal(lines(count).length, 1);
    assert.deepEqual(named("-script-error"), [`${path} 0 2`]);
    const child = named("-script-child");
    assert.equal(child.length, 1);
    assert.match(child[0] ?? "", /^\d+ 2 0$/);
    await runner.close();
  });

  void it("reports a script that cannot be executed as exit 2, without retry", async () => {
    const { runner, named } = runnerWithEvents();
    const path = join(scripts.dir, "does-not-exist.sh");
    runner.schedule([path]);
    await runner.whenIdle();
    assert.deepEqual(named("-script-error"), [`${path} 0 2`]);
    assert.deepEqual(named("+script-child"), []);
    await runner.close();
  });

  void it("kills a hanging script and what it started at the timeout, and retries it", async () => {
    const pids = join(scripts.dir, "hang.pids");
    // The script starts a child and waits: the kill must reach both (its process group).
    const path = scripts.script("hang.sh", `sleep 300 &\necho $! >> '${pids}'\nwait`);
    const limits = hookLimits({ script_runtime_max_ms: 300, script_retry_delay_ms: 10, script_runs_max: 2 });
    const { runner, named } = runnerWithEvents(limits);
    const started_ms = performance.now();
    runner.schedule([path]);
    await runner.whenIdle();
    const elapsed_ms = performance.now() - started_ms;
    assert.equal(named("-script-timeout").length, 2);
    assert.match(named("-script-timeout")[0] ?? "", new RegExp(`^${path} \\d+$`));
    assert.deepEqual(named("-script-error"), [`${path} 9 0`]);
    assert.ok(elapsed_ms >= 600, `two runs of at least 300 ms each, took ${elapsed_ms}`);
    assert.ok(elapsed_ms < 30_000, "killed long before the sleep ends");
    const sleeps = lines(pids).map(Number);
    assert.equal(sleeps.length, 2);
    // Not our children: no exit event to await, so poll their state with a deadline.
    for (const pid of sleeps) assert.ok(await goneWithin(pid, 5_000), `sleep ${pid} survived the kill`);
    await runner.close();
  });

  void it("passes argv literally: spaces and shell metacharacters are not interpreted", async () => {
    const out = join(scripts.dir, "argv.out");
    const pwned = join(scripts.dir, "pwned");
    const path = scripts.script("argv.sh", `printf '%s\\0' "$@" > '${out}'`);
    const args = ["a b", `$(touch ${pwned})`, ";rm", "*", "`id`", "'q'", '"dq"', "x\ny", "", "--", "$HOME"];
    const { runner } = runnerWithEvents();
    runner.schedule([path, ...args]);
    await runner.whenIdle();
    const received = readFileSync(out, "utf8").split("\0").slice(0, -1);
    assert.deepEqual(received, args);
    assert.equal(existsSync(pwned), false, "a command substitution ran");
    await runner.close();
  });

  void it("gives scripts exactly the configured environment and working directory", async () => {
    const out = join(scripts.dir, "env.out");
    const path = scripts.script(
      "env.sh",
      `{ pwd; env | grep -v '^_=' | grep -v '^SHLVL=' | grep -v '^PWD=' | sort; } > '${out}'`,
    );
    const runner = new HookRunner({ env: { PATH: "/usr/bin:/bin", SP_TEST: "1" }, cwd: scripts.dir });
    process.env.SP_LEAK_CHECK = "leak";
    try {
      runner.schedule([path]);
      await runner.whenIdle();
    } finally {
      delete process.env.SP_LEAK_CHECK;
    }
    assert.deepEqual(lines(out), [scripts.dir, "PATH=/usr/bin:/bin", "SP_TEST=1"]);
    await runner.close();
  });

  void it("runs at most N scripts at once and starts the others as slots free up", async () => {
    const running_dir = mkdtempSync(join(scripts.dir, "running-"));
    const go = join(scripts.dir, "go");
    const seen = join(scripts.dir, "concurrency.out");
    // Each script registers itself, records how many are registered, waits for "go", leaves.
    const path = scripts.script(
      "slot.sh",
      [
        `touch '${running_dir}'/$$`,
        `ls '${running_dir}' | wc -l >> '${seen}'`,
        `for _ in $(seq 1 1000); do [ -e '${go}' ] && break; sleep 0.01; done`,
        `rm '${running_dir}'/$$`,
      ].join("\n"),
    );
    const limits = hookLimits({ scripts_running_max: 2, scripts_queue_max: 10 });
    const { runner, named } = runnerWithEvents(limits);
    for (let i = 0; i < 6; i++) runner.schedule([path, String(i)]);
    assert.deepEqual(runner.counters(), {
      running_scripts: 2,
      scripts_queue_length: 6,
      scripts_dropped_total: 0,
    });
    assert.deepEqual(
      runner.pendingScripts().map((entry) => entry.flags),
      ["running", "running", "scheduled", "scheduled", "scheduled", "scheduled"],
    );
    writeFileSync(go, "");
    await runner.whenIdle();
    assert.equal(named("+script-child").length, 6);
    const counts = lines(seen).map(Number);
    assert.equal(counts.length, 6);
    assert.ok(
      counts.every((n) => n >= 1 && n <= 2),
      `more than 2 ran at once: ${counts.join(",")}`,
    );
    await runner.close();
  });

  void it("drops the oldest waiting job when the queue is full", async () => {
    const gate = join(scripts.dir, "gate");
    const log = join(scripts.dir, "queue.log");
    const path = scripts.script(
      "queued.sh",
      [
        `[ "$1" = first ] && for _ in $(seq 1 1000); do [ -e '${gate}' ] && break; sleep 0.01; done`,
        `echo "$1" >> '${log}'`,
      ].join("\n"),
    );
    const limits = hookLimits({ scripts_running_max: 1, scripts_queue_max: 3 });
    const finished: string[] = [];
    const runner = new HookRunner({
      limits,
      on_finished: (job, outcome) => finished.push(`${job.argv[1] ?? ""}:${outcome}`),
    });
    for (const name of ["first", "a", "b", "c", "d"]) runner.schedule([path, name]);
    assert.deepEqual(
      runner.pendingScripts().map((entry) => entry.argv[1]),
      ["first", "c", "d"],
    );
    assert.deepEqual(runner.counters(), {
      running_scripts: 1,
      scripts_queue_length: 3,
      scripts_dropped_total: 2,
    });
    writeFileSync(gate, "");
    await runner.whenIdle();
    assert.deepEqual(lines(log), ["first", "c", "d"]);
    assert.deepEqual(finished, ["a:dropped", "b:dropped", "first:ok", "c:ok", "d:ok"]);
    await runner.close();
  });
});
