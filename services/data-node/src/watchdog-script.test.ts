// The watchdog's bash program against a stand-in server (a `sleep` process): the rule of
// libs/core data-node watchdog.ts, carried out by the real script. No timing is asserted here:
// each test awaits the processes' exits.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import type { Writable } from "node:stream";
import { encodeWatchdogLine, wireLine } from "@sentinel-plane/core/data-node";
import { hostNowMs, processStartTime } from "./watchdog.js";
import { WATCHDOG_NAME, WATCHDOG_SCRIPT } from "./watchdog-script.js";

interface Pair {
  readonly server: ChildProcess;
  readonly watchdog: ChildProcess;
  readonly pipe: Writable;
  readonly stderr: string[];
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return once(child, "exit").then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as string | null,
  }));
}

/** The line a data-node writes for a lease that holds `remaining_ms` more from now. */
function armFor(remaining_ms: number): string {
  const host_now_ms = hostNowMs();
  assert.ok(host_now_ms !== null, "/proc/uptime unreadable");
  return encodeWatchdogLine(wireLine({ kind: "arm", remaining_ms }, host_now_ms));
}

function start(
  t: { after: (fn: () => void) => void },
  start_time?: string,
  fence: readonly string[] = [],
): Pair {
  const server = spawn("sleep", ["60"], { stdio: "ignore" });
  const pid = server.pid;
  assert.ok(pid !== undefined);
  const started = start_time ?? processStartTime(pid);
  assert.ok(started !== null);
  const watchdog = spawn("bash", ["-c", WATCHDOG_SCRIPT, WATCHDOG_NAME, String(pid), started, ...fence], {
    stdio: ["ignore", "ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  watchdog.stderr?.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
  const pipe = watchdog.stdio[3] as Writable;
  t.after(() => {
    server.kill("SIGKILL");
    watchdog.kill("SIGKILL");
  });
  return { server, watchdog, pipe, stderr };
}

void test("armed and never fed again (data-node hung): the server is SIGKILLed", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(200));
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.match(pair.stderr.join(""), /killed redis-server/);
});

void test("armed, then the pipe ends (data-node killed): the server is SIGKILLed at the deadline", async (t) => {
  const pair = start(t);
  pair.pipe.end(armFor(300));
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
});

void test("armed, then the pipe ends, the orphan fence answers OK: the watchdog exits, the server runs on", async (t) => {
  const pair = start(t, undefined, ["echo", "OK"]);
  pair.pipe.end(armFor(5000));
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.kill(0), true, "still running");
  assert.match(pair.stderr.join(""), /fenced redis-server/);
});

void test("the orphan fence refused: the server is SIGKILLed at the deadline", async (t) => {
  const pair = start(t, undefined, ["echo", "NOPERM this user has no permissions"]);
  pair.pipe.end(armFor(300));
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.match(pair.stderr.join(""), /orphan fence of redis-server \d+ failed \(NOPERM/);
});

void test("the orphan fence unanswered (a hung server): cut at the deadline, the server SIGKILLed", async (t) => {
  const pair = start(t, undefined, ["sleep", "30"]);
  pair.pipe.end(armFor(300));
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.match(pair.stderr.join(""), /failed \(no answer\)/);
});

void test("disarmed, then the pipe ends: the watchdog exits and the server runs on", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(200));
  pair.pipe.end("disarm\n");
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.exitCode, null);
  assert.equal(pair.server.signalCode, null);
  assert.equal(pair.server.kill(0), true, "still running");
});

void test("detach while armed: the watchdog exits and leaves the server alone", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(200));
  pair.pipe.write("detach\n");
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.kill(0), true, "still running");
});

void test("re-armed before each deadline, then disarmed: no kill", async (t) => {
  const pair = start(t);
  for (let i = 0; i < 5; i += 1) {
    pair.pipe.write(armFor(2000));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the feeding, not a synchronisation
  }
  pair.pipe.end("disarm\n");
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.kill(0), true, "still running");
});

void test("another process behind the pid (start time differs): never killed", async (t) => {
  const pair = start(t, "1");
  pair.pipe.end(armFor(100));
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.kill(0), true, "still running");
});

void test("a bad line is logged and ignored; the deadline stands", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(200));
  pair.pipe.write("arm soon\n");
  pair.pipe.write("fence\n");
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
  const stderr = pair.stderr.join("");
  assert.match(stderr, /bad arm: soon/);
  assert.match(stderr, /unknown line: fence/);
});

void test("starved (SIGSTOPped) past its deadline, a renewed arm waiting in the pipe: the server is spared", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(200));
  process.kill(Number(pair.watchdog.pid), "SIGSTOP");
  // Written on time by the data-node, read only after the first deadline has passed.
  pair.pipe.write(armFor(60_000));
  const first_deadline_ms = (hostNowMs() ?? 0) + 400;
  while ((hostNowMs() ?? Infinity) < first_deadline_ms)
    await new Promise((resolve) => setTimeout(resolve, 50));
  process.kill(Number(pair.watchdog.pid), "SIGCONT");
  // Disarmed after the backlog: the line is read only after the renewed arm, so the watchdog has
  // run past the old deadline and kept the server; then it exits at the pipe's end.
  pair.pipe.end("disarm\n");
  assert.deepEqual(await exited(pair.watchdog), { code: 0, signal: null });
  assert.equal(pair.server.exitCode, null, "the server was killed");
  assert.equal(pair.server.signalCode, null, "the server was killed");
});

void test("an arm whose own deadline is over when read: the server is SIGKILLed", async (t) => {
  const pair = start(t);
  pair.pipe.write(armFor(60_000));
  const host_now_ms = hostNowMs();
  assert.ok(host_now_ms !== null);
  pair.pipe.write(encodeWatchdogLine({ kind: "arm", deadline_ms: host_now_ms - 1000 }));
  assert.deepEqual(await exited(pair.server), { code: null, signal: "SIGKILL" });
});
