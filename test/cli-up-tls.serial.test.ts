// `sentinel-plane up --tls` end to end: a throwaway CA in <dir>/tls (keys 0600), every link over
// TLS; redis-cli --tls with the client certificate reaches the Sentinel port, plain text does
// not; `sentinel-plane status` (https REST, RESP over TLS) answers; SIGINT stops it.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BIN = join(ROOT, "services/cli/bin/sentinel-plane.mjs");
const READY_TIMEOUT_MS = 120_000;

function run(command: string, args: readonly string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(command, [...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ code, out: `${stdout}${stderr}`.trim() });
    });
  });
}

void test("up --tls: TLS on every link, the CLI and redis-cli --tls reach it", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-up-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const child = spawn(
    process.execPath,
    [BIN, "--dir", dir, "up", "--tls", "--port-base", "0", "--no-install", "--no-watch"],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  t.after(async () => {
    if (child.exitCode === null) child.kill("SIGINT");
    await exited;
  });
  const lines: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`not ready within ${READY_TIMEOUT_MS} ms:\n${lines.join("\n")}`));
    }, READY_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`up exited (${String(code)}):\n${lines.join("\n")}`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        lines.push(line);
        if (line.startsWith("ready:")) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  await ready;

  const tls = join(dir, "tls");
  for (const key of ["ca.key", "sentinel-plane.key", "client.key"]) {
    assert.equal((await stat(join(tls, key))).mode & 0o777, 0o600, key);
  }
  const sentinel = /Sentinel \(RESP\)\s+127\.0\.0\.1:(\d+)/.exec(lines.join("\n"))?.[1];
  assert.ok(sentinel !== undefined, lines.join("\n"));
  // `up` turns the Sentinel port's password on too (printed as "Sentinel pass").
  const password = /Sentinel pass\s+(\S+)/.exec(lines.join("\n"))?.[1];
  assert.ok(password !== undefined, lines.join("\n"));
  const cli_tls = [
    "-a",
    password,
    "--no-auth-warning",
    "--tls",
    "--cacert",
    join(tls, "ca.crt"),
    "--cert",
    join(tls, "client.crt"),
    "--key",
    join(tls, "client.key"),
  ];
  const addr = await run("redis-cli", [
    ...cli_tls,
    "-p",
    sentinel,
    "SENTINEL",
    "get-master-addr-by-name",
    "mymaster",
  ]);
  assert.match(addr.out, /^127\.0\.0\.1\n\d+$/);
  const plain = await run("redis-cli", ["-p", sentinel, "PING"]);
  assert.doesNotMatch(plain.out, /^PONG$/m);
  const status = await run(process.execPath, [BIN, "--dir", dir, "status"]);
  assert.equal(status.code, 0, status.out);
  assert.match(status.out, /mymaster/);

  child.kill("SIGINT");
  assert.equal(await exited, 0, lines.join("\n"));
});
