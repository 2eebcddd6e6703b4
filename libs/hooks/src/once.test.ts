// One-shot script runs with real scripts in a temp dir.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { prePromoteArgv } from "./argv.js";
import { runScriptOnce } from "./once.js";
import { ScriptDir } from "./test-scripts.js";

const scripts = new ScriptDir("sp-once-");

const OPTIONS = {
  env: { PATH: "/usr/bin:/bin", SP_EPOCH: "7" },
  cwd: "/",
  timeout_ms: 5000,
  output_max_bytes: 4096,
};

/** True when no process `pid` exists any more (or it is a zombie). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

void describe("runScriptOnce", () => {
  void it("passes the argv as is, an explicit environment and cwd; exit 0 is ok; output kept", async () => {
    const path = scripts.script(
      "ok",
      'echo "args=$*|epoch=$SP_EPOCH|home=${HOME:-none}|cwd=$(pwd)"; echo err >&2',
    );
    const argv = prePromoteArgv(path, {
      master_name: "my master",
      from: { host: "10.0.0.1", port: 6379 },
      to: { host: "10.0.0.2", port: 6380 },
    });
    const result = await runScriptOnce(argv, OPTIONS);
    assert.equal(result.ok, true);
    assert.equal(result.detail, "exit-0");
    assert.equal(result.timed_out, false);
    assert.match(
      result.output,
      /^args=my master leader pre-promote 10\.0\.0\.1 6379 10\.0\.0\.2 6380\|epoch=7\|home=none\|cwd=\/\n/,
    );
    assert.match(result.output, /err\n/);
  });

  void it("a non-zero exit is a failure with its code", async () => {
    const result = await runScriptOnce([scripts.script("three", "exit 3")], OPTIONS);
    assert.deepEqual([result.ok, result.detail, result.exit_code], [false, "exit-3", 3]);
  });

  void it("a script killed by a signal fails with the signal's name", async () => {
    const result = await runScriptOnce([scripts.script("term", "kill -TERM $$")], OPTIONS);
    assert.deepEqual([result.ok, result.detail, result.signal], [false, "signal-SIGTERM", "SIGTERM"]);
  });

  void it("at the timeout the whole process group is killed and the result says timeout", async () => {
    const pid_file = join(scripts.dir, "child.pid");
    const path = scripts.script("hang", `sleep 60 &\necho $! > ${pid_file}\nsleep 60`);
    const result = await runScriptOnce([path], { ...OPTIONS, timeout_ms: 300 });
    assert.deepEqual([result.ok, result.detail, result.timed_out], [false, "timeout", true]);
    assert.ok(result.duration_ms < 5000, `ended by the kill (${result.duration_ms} ms)`);
    const child = Number(readFileSync(pid_file, "utf8"));
    // The kill was sent before the result: at most a moment for the kernel to reap it.
    for (let i = 0; i < 50 && !gone(child); i += 1) await new Promise((r) => setTimeout(r, 20));
    assert.ok(gone(child), "the script's background child was killed too");
  });

  void it("a missing or non-executable file fails to start", async () => {
    const missing = await runScriptOnce([join(scripts.dir, "nope")], OPTIONS);
    assert.deepEqual([missing.ok, missing.detail], [false, "spawn-ENOENT"]);
    const path = join(scripts.dir, "plain");
    writeFileSync(path, "#!/bin/bash\nexit 0\n");
    const plain = await runScriptOnce([path], OPTIONS);
    assert.deepEqual([plain.ok, plain.detail], [false, "spawn-EACCES"]);
  });

  void it("keeps at most output_max_bytes of output and counts the rest", async () => {
    const path = scripts.script("loud", "head -c 10000 /dev/zero | tr '\\0' x");
    const result = await runScriptOnce([path], { ...OPTIONS, output_max_bytes: 100 });
    assert.equal(result.ok, true);
    assert.equal(result.output, "x".repeat(100));
    assert.equal(result.output_dropped_bytes, 9900);
  });

  void it("refuses a relative path (a programmer error: the configuration checks it)", async () => {
    await assert.rejects(async () => runScriptOnce(["fence.sh"], OPTIONS), /absolute/);
  });
});
