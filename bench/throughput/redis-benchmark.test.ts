import assert from "node:assert/strict";
import { test } from "node:test";
import { benchmarkArgs, parseBenchmarkCsv } from "./redis-benchmark.js";

// Captured from redis-benchmark 7.0.15 against redis-sentinel 7.0.15.
const CSV =
  '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"\n' +
  '"SENTINEL get-master-addr-by-name m1","33670.04","0.994","0.040","0.767","2.311","4.655","16.911"\n';

void test("parseBenchmarkCsv reads requests/s and the latency percentiles by header name", () => {
  assert.deepEqual(parseBenchmarkCsv(CSV), {
    rps: 33670.04,
    avg_ms: 0.994,
    p50_ms: 0.767,
    p95_ms: 2.311,
    p99_ms: 4.655,
    max_ms: 16.911,
  });
});

void test("parseBenchmarkCsv rejects output without the expected columns", () => {
  assert.throws(() => parseBenchmarkCsv('"test","rps"\n"PING","100"\n'), /no avg_latency_ms/);
  assert.throws(() => parseBenchmarkCsv("WARNING: Could not fetch server CONFIG\n"), /no rps/);
});

void test("benchmarkArgs passes the command last, after --csv", () => {
  const args = benchmarkArgs({
    port: 1234,
    requests: 10,
    clients: 2,
    pipeline: 16,
    command: ["SENTINEL", "get-master-addr-by-name", "m"],
  });
  assert.deepEqual(args.slice(-4), ["--csv", "SENTINEL", "get-master-addr-by-name", "m"]);
  assert.equal(args[args.indexOf("-P") + 1], "16");
  assert.equal(args[args.indexOf("-p") + 1], "1234");
});
