// Redis 7.0.15's own Sentinel test suite (vendored in test/redis-sentinel-suite) keeps passing for
// the files the agents pass in full: they run through the project's runner
// (scripts/redis-suite.mjs, ours only, --json), and every test Sentinel passes in each file must
// pass here too. The harness jumps to the next file at a failure, so a file that stopped early
// shows fewer OKs than Sentinel's count: counting OKs (not only FAILED lines) catches that.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;

/**
 * File -> the number of tests redis-sentinel 7.0.15 passes in it. 03-runtime-reconf and
 * 07-down-conditions passed in full too (2026-12-04 19:08 UTC) but are left out: both failed
 * under load in earlier whole runs (README), and 07 alone takes ~25 s. 12-master-reboot is left
 * out too: it passed in full, then in one whole `npm test` (2026-12-04 21:00 UTC) "Master reboot
 * in very short time" saw no failover within its 100 s ("At least one Sentinel did not receive
 * failover info"); not diagnosed. 13 runs after 11 on purpose: 11 restarts a sentinel without its
 * myid, and 13's discovery counts on the new id. 10-replica-priority (14 tests, ~2 s alone) joined
 * after 3 passing runs alone (2026-12-04 22:14 UTC); in whole runs it failed after 09 until the
 * prober replaced links ioredis had left "ready" over a closed stream (redis-prober.ts `stuck`).
 * 09-acl-support (~6 s) joined once the agents kept links to each other's Sentinel ports
 * (peer-port-watch.ts): its CKQUORUM must fail while they cannot log in to each other, and its
 * teardown (the `default` user back on) must run, or every later file meets NOAUTH.
 */
const FILES = new Map([
  ["01-conf-update", 10],
  ["05-manual", 11],
  ["06-ckquorum", 10],
  ["08-hostname-conf", 10],
  ["09-acl-support", 10],
  ["10-replica-priority", 14],
  ["11-port-0", 8],
  ["13-info-command", 10],
]);

interface FileResult {
  ok: number;
  failed: number;
  error: string | null;
  seconds: number;
}
interface SuiteJson {
  ours: { code: number | null; seconds: number; files: Record<string, FileResult> } | null;
}

function runRunner(args: string[], signal: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // A timed-out test aborts the signal: the runner's SIGTERM handler stops the harness's
    // process group, the agents and its nats-server.
    const child = spawn(process.execPath, [join(root, "scripts", "redis-suite.mjs"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      signal,
      killSignal: "SIGTERM",
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      resolve({ code, output });
    });
  });
}

void test(
  "Redis's Sentinel suite: every test of the files ours passes in full still passes",
  { timeout: 600_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "redis-suite-test-"));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    const json = join(dir, "result.json");
    const singles = [...FILES.keys()].flatMap((f) => ["--single", f]);
    const { code, output } = await runRunner(["--skip-reference", ...singles, "--json", json], t.signal);
    const tail = output.split("\n").slice(-60).join("\n");
    assert.equal(code, 0, `runner exit code ${String(code)}; its output ends with:\n${tail}`);
    const result = JSON.parse(readFileSync(json, "utf8")) as SuiteJson;
    const ours = result.ours;
    assert.ok(ours !== null, "the runner reported no run of ours");
    // The harness's own verdict too: it exits 1 on a failed test, a crash (text on a sentinel's
    // stderr) or an abort.
    assert.equal(ours.code, 0, `the harness exited ${String(ours.code)}:\n${tail}`);
    assert.deepEqual(Object.keys(ours.files).sort(), [...FILES.keys()].sort(), "files the harness ran");
    for (const [file, count] of FILES) {
      const r: FileResult | undefined = ours.files[file];
      assert.ok(r !== undefined);
      assert.deepEqual({ file, ok: r.ok, failed: r.failed }, { file, ok: count, failed: 0 }, tail);
    }
    const per_file = Object.entries(ours.files).map(([f, fr]) => `${f} ${fr.seconds.toFixed(1)} s`);
    t.diagnostic(`harness ${ours.seconds.toFixed(1)} s: ${per_file.join(", ")}`);
  },
);
