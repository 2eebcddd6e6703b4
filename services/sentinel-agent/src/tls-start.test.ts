// A bad TLS file stops the agent at start with a coded message and exit code 2, before any
// port or NATS connection opens (one process, no NATS needed: it never gets that far).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

void test("sentinel-agent with a missing tls-cert-file exits 2 naming the code and the file", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-tls-start-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, "sentinel.conf");
  await writeFile(
    config,
    [
      "port 0",
      "tls-port 1",
      `tls-cert-file ${join(dir, "missing.crt")}`,
      `tls-key-file ${join(dir, "missing.key")}`,
      "tls-auth-clients no",
      "sentinel-plane nats-servers nats://127.0.0.1:1",
      "",
    ].join("\n"),
  );
  const entry = new URL("./main.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import", "tsx", entry, config], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, SP_LOG_LEVEL: "fatal" },
  });
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  assert.equal(code, 2, out);
  assert.match(out, /"code":"SP_ERR_TLS_FILE"/);
  assert.match(out, /certificate file .*missing\.crt: cannot read: ENOENT/);
});
