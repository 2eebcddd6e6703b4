import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mainThreadProfile, packageOf, summarizeCpuProfile } from "./cpu-profile.js";

const OURS = "file:///repo/services/sentinel-agent/src/redis-prober.ts";
const IOREDIS = "file:///repo/node_modules/ioredis/built/Redis.js";

/** root -> probe (ours) -> sendCommand (ioredis) -> writeUtf8String (native); root -> (idle). */
function profile(): object {
  const frame = (functionName: string, url: string): object => ({ functionName, url, lineNumber: 0 });
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 5] },
      { id: 2, callFrame: frame("probe", OURS), children: [3] },
      { id: 3, callFrame: frame("sendCommand", IOREDIS), children: [4] },
      { id: 4, callFrame: frame("writeUtf8String", ""), children: [] },
      { id: 5, callFrame: frame("(idle)", ""), children: [] },
    ],
    startTime: 1_000_000,
    endTime: 1_010_000,
    // times after each delta: 1_001_000 (4), 1_003_000 (4), 1_004_000 (3), 1_008_000 (5), 1_009_000 (2)
    samples: [4, 4, 3, 5, 2],
    timeDeltas: [1000, 2000, 1000, 4000, 1000],
  };
}

function write(): string {
  const dir = mkdtempSync(join(tmpdir(), "cpu-profile-test-"));
  const path = join(dir, "CPU.20260101.000000.42.0.001.cpuprofile");
  writeFileSync(path, JSON.stringify(profile()));
  writeFileSync(join(dir, "CPU.20260101.000000.42.1.002.cpuprofile"), "{}");
  return path;
}

void test("self time goes to functions and packages; idle is left out of the busy time", () => {
  const s = summarizeCpuProfile(write());
  assert.equal(s.busy_ms, 5); // 1 + 2 + 1 + 1; the 4 ms of (idle) are not busy
  assert.deepEqual(
    s.by_package.map((l) => [l.name, l.self_ms]),
    [
      ["(native)", 3],
      ["ioredis", 1],
      ["services/sentinel-agent", 1],
    ],
  );
  const first = s.by_function[0];
  assert.ok(first !== undefined);
  assert.equal(first.name, "writeUtf8String");
  assert.equal(first.busy_pct, 60);
});

void test("by origin, time in a package or native code is charged to the nearest caller of ours", () => {
  const s = summarizeCpuProfile(write());
  assert.equal(s.by_origin.length, 1);
  const origin = s.by_origin[0];
  assert.ok(origin !== undefined);
  assert.match(origin.name, /^probe services\/sentinel-agent\/src\/redis-prober\.ts:1$/);
  assert.equal(origin.self_ms, 5);
});

void test("a window keeps only the samples inside it", () => {
  const s = summarizeCpuProfile(write(), { from_us: 1_002_000, to_us: 1_005_000 });
  assert.equal(s.busy_ms, 3); // the samples at 1_003_000 (2 ms) and 1_004_000 (1 ms)
  assert.equal(s.wall_ms, 3);
});

void test("mainThreadProfile picks thread 0, not the module-loader thread's profile", () => {
  const path = write();
  assert.equal(mainThreadProfile(join(path, "..")), path);
});

void test("packageOf names node_modules packages, our workspaces and node internals", () => {
  assert.equal(packageOf({ functionName: "f", url: IOREDIS, lineNumber: 0 }), "ioredis");
  assert.equal(
    packageOf({
      functionName: "f",
      url: "file:///r/node_modules/@nats-io/nats-core/lib/x.js",
      lineNumber: 0,
    }),
    "@nats-io/nats-core",
  );
  assert.equal(
    packageOf({ functionName: "f", url: "file:///r/libs/core/src/agent.ts", lineNumber: 0 }),
    "libs/core",
  );
  assert.equal(
    packageOf({ functionName: "f", url: "node:internal/streams/x", lineNumber: 0 }),
    "node:internal",
  );
  assert.equal(
    packageOf({ functionName: "(garbage collector)", url: "", lineNumber: -1 }),
    "(garbage collector)",
  );
});
