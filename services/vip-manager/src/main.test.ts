// The entry point refuses a bad configuration at start: exit 2, one precise line on stderr.
// No network is touched (the process stops before connecting).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

const MAIN_PATH = fileURLToPath(new URL("./main.ts", import.meta.url));
const TSX_URL = import.meta.resolve("tsx");
let dir = "";

function run(
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", TSX_URL, MAIN_PATH, ...args],
      { timeout: 30_000, env: { PATH: process.env["PATH"] ?? "", ...env } },
      (error, _stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stderr });
      },
    );
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sp-vip-main-"));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

void describe("vip-manager main", () => {
  void it("refuses a config with a bad field, naming the file, the path and the reason", async () => {
    const path = join(dir, "bad.json");
    writeFileSync(
      path,
      JSON.stringify({
        cluster_id: "prod",
        nats: { servers: ["nats://127.0.0.1:1"] },
        host_addresses: ["10.91.4.20:6888"],
        vips: [{ master_name: "mymaster", vip: "10.91.4.30", prefix_length: 40, interface: "mgt" }],
      }),
    );
    const result = await run(["--config", path]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr.trim(),
      `invalid configuration: ${path} (+ environment): /vips/0/prefix_length: must be <= 32`,
    );
  });

  void it("refuses a file that is not JSON, and a missing file", async () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{ cluster_id: ");
    const broken = await run([`--config=${path}`]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, new RegExp(`^invalid configuration: ${path}: not JSON: `));
    const missing = await run([], { SP_VIP_MANAGER_CONFIG: join(dir, "none.json") });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /none\.json: cannot read: ENOENT/);
  });
});
