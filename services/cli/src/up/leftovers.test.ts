import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { groupMembers, isAlive, recordedLeftovers, startTicks } from "./leftovers.js";

/**
 * A waiting process we start (and stop in t.after), in `cwd`, with `args` on its command line
 * (a bash builtin waiting on stdin: no grandchild); `group`: its own process group, as `up` starts them.
 */
function sleeper(t: TestContext, cwd: string, args: readonly string[], group = false): ChildProcess {
  const child = spawn("bash", ["-c", "read -r -t 600 _ || true", "waiting", ...args], {
    cwd,
    stdio: ["pipe", "ignore", "ignore"],
    detached: group,
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  return child;
}

void test("recordedLeftovers: only recorded processes that are still the same process; nothing by its directory", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-leftovers-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ours = sleeper(t, dir, []);
  // Another program in the directory and naming it: what `events --dir` in another terminal is.
  const theirs = sleeper(t, dir, [dir]);
  const reused = sleeper(t, dir, []);
  assert.ok(ours.pid !== undefined && theirs.pid !== undefined && reused.pid !== undefined);
  const ticks = startTicks(ours.pid);
  assert.ok(ticks !== null);
  const found = recordedLeftovers([
    { name: "ours", pid: ours.pid, start_ticks: ticks },
    // The same PID started at another time: a PID the kernel gave to another program since.
    { name: "reused", pid: reused.pid, start_ticks: (startTicks(reused.pid) ?? 0) + 1 },
    // An old record without start times proves nothing.
    { name: "old", pid: reused.pid },
  ]);
  assert.deepEqual(
    found.map((p) => p.name),
    ["ours"],
  );
  assert.ok(isAlive(theirs.pid), "a process naming the directory was touched");
});

void test("groupMembers: the live processes of the groups `up`'s children lead, and no others", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-groups-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const leader = sleeper(t, dir, [], true);
  const outsider = sleeper(t, dir, [dir], true);
  assert.ok(leader.pid !== undefined && outsider.pid !== undefined);
  assert.deepEqual(await groupMembers([leader.pid]), [leader.pid]);
  assert.deepEqual(await groupMembers([]), []);
});
