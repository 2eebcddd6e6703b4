import assert from "node:assert/strict";
import { test } from "node:test";
import { clockTicksPerSecond, cpuTicks, memoryKb, startCpuWindow } from "./proc-stat.js";

void test("cpuTicks grows while this process computes", () => {
  const before = cpuTicks(process.pid);
  const tck = clockTicksPerSecond();
  const until = performance.now() + (3 * 1000) / tck + 50; // a few ticks' worth of work
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  assert.ok(cpuTicks(process.pid) > before);
});

void test("startCpuWindow reports a CPU % per label between 0 and the number of cores x 100", () => {
  const window = startCpuWindow({ self: process.pid });
  const until = performance.now() + 100;
  let x = 0;
  while (performance.now() < until) x += Math.sqrt(x + 1);
  const { elapsed_s, cpu_pct } = window.finish();
  assert.ok(elapsed_s >= 0.1);
  const self = cpu_pct["self"];
  assert.ok(self !== undefined && self >= 0 && self <= 100 * 64, `cpu ${self}`);
});

void test("memoryKb reads VmRSS and a peak no lower than it", () => {
  const m = memoryKb(process.pid);
  assert.ok(m.rss_kb > 1000);
  assert.ok(m.hwm_kb >= m.rss_kb);
  assert.ok(m.anon_kb > 0 && m.anon_kb <= m.rss_kb);
});

void test("cpuTicks of a process that does not exist throws", () => {
  assert.throws(() => cpuTicks(2 ** 22 + 12345));
});
