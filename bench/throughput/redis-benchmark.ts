// One `redis-benchmark` run of a single command against a Sentinel port, its --csv output parsed.
// redis-benchmark 7.0 prints a header line and one row per test:
//   "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
// (it also warns "Could not fetch server CONFIG" on stderr: Sentinels have no CONFIG GET.)
import { execFile } from "node:child_process";

export interface BenchmarkSpec {
  readonly port: number;
  readonly requests: number;
  readonly clients: number;
  /** Requests pipelined per connection (-P); 1 = none. */
  readonly pipeline: number;
  readonly command: readonly string[];
}

export interface BenchmarkFigures {
  readonly rps: number;
  readonly avg_ms: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
}

const RUN_TIMEOUT_MS = 300_000;

export function parseBenchmarkCsv(text: string): BenchmarkFigures {
  const lines = text.split("\n").filter((l) => l.startsWith('"'));
  const cells = (line: string | undefined): string[] =>
    (line ?? "").split(",").map((c) => c.replace(/^"|"$/g, ""));
  const header = cells(lines[0]);
  const row = cells(lines[1]);
  const field = (name: string): number => {
    const i = header.indexOf(name);
    const value = Number(row[i]);
    if (i < 0 || !Number.isFinite(value))
      throw new Error(`redis-benchmark --csv: no ${name} in ${JSON.stringify(text)}`);
    return value;
  };
  return {
    rps: field("rps"),
    avg_ms: field("avg_latency_ms"),
    p50_ms: field("p50_latency_ms"),
    p95_ms: field("p95_latency_ms"),
    p99_ms: field("p99_latency_ms"),
    max_ms: field("max_latency_ms"),
  };
}

export function benchmarkArgs(spec: BenchmarkSpec): string[] {
  return [
    "-h",
    "127.0.0.1",
    "-p",
    String(spec.port),
    "-n",
    String(spec.requests),
    "-c",
    String(spec.clients),
    "-P",
    String(spec.pipeline),
    "--csv",
    ...spec.command,
  ];
}

export function runRedisBenchmark(spec: BenchmarkSpec): Promise<BenchmarkFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      "redis-benchmark",
      benchmarkArgs(spec),
      { encoding: "utf8", timeout: RUN_TIMEOUT_MS, maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error !== null) {
          reject(
            new Error(`redis-benchmark on port ${spec.port} failed: ${error.message}`, { cause: error }),
          );
          return;
        }
        try {
          resolve(parseBenchmarkCsv(stdout));
        } catch (parse_error) {
          reject(parse_error instanceof Error ? parse_error : new Error(String(parse_error)));
        }
      },
    );
  });
}
