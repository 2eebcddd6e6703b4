// runCommand's graceful stop with a real child process (a bash script): the first SIGINT can be
// lost (bash drops one that arrives while it starts up), so a stop is sent again until the
// command exits; its output and exit code are the result.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { runCommand, STOP_RESEND_MS } from "./command.js";

let dir = "";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sp-vip-command-"));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A listener that loses the first SIGINT (its handler only arms the real one), as a starting bash does. */
function deafToFirstStop(): string {
  const path = join(dir, "deaf-once");
  writeFileSync(
    path,
    `#!/bin/bash\nstopped=0\ntrap 'trap "stopped=1" INT; echo armed > ${dir}/armed' INT\n` +
      `for _ in $(seq 100); do [ $stopped = 1 ] && break; sleep 0.05; done\n` +
      `[ $stopped = 1 ] && { echo "stopped"; exit 0; }\necho "ran out"; exit 3\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

void it("a stop that was lost is sent again: the command ends long before its 5 s", async () => {
  const started_ms = performance.now();
  const output = await runCommand([deafToFirstStop()], 20_000, { stop_after_ms: 300 });
  const took_ms = performance.now() - started_ms;
  assert.deepEqual(
    { exit_code: output.exit_code, stdout: output.stdout.trim() },
    { exit_code: 0, stdout: "stopped" },
  );
  // The first SIGINT at 300 ms is lost, the next one STOP_RESEND_MS later ends it; without the
  // resend it "ran out" after 5 s. The bound leaves a loaded machine 3 s of slack.
  assert.ok(took_ms < 300 + STOP_RESEND_MS + 3_000, `stopped after ${Math.round(took_ms)} ms`);
});

void it("an abort stops the command the same way", async () => {
  const stop = new AbortController();
  const running = runCommand([deafToFirstStop()], 20_000, { stop: stop.signal });
  setTimeout(() => {
    stop.abort();
  }, 300);
  const output = await running;
  assert.equal(output.stdout.trim(), "stopped");
});
