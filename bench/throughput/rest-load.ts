// HTTP load on one REST route with autocannon (in this process; the agent is its own process):
// at a fixed overall rate, or unthrottled. Latency percentiles come from every response's own
// time (autocannon's `response` event, sub-millisecond), because autocannon's histogram keeps
// whole milliseconds, too coarse for a p99 target of 5 ms. autocannon's own p99 (which at a fixed
// rate corrects for coordinated omission) is kept beside it.
import autocannon from "autocannon";
import { latencyFigures } from "../lib/index.js";
import type { LatencyFigures } from "../lib/index.js";

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly duration_s: number;
  /** Requests per second over all connections; null = as fast as the server answers. */
  readonly rate_rps: number | null;
}

/** Latency (LatencyFigures): autocannon's per-response time. */
export interface LoadFigures extends LatencyFigures {
  readonly requests: number;
  readonly achieved_rps: number;
  /** autocannon's histogram p99 (whole ms, coordinated-omission corrected at a fixed rate). */
  readonly autocannon_p99_ms: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

/** Per-request timeout: a stuck request is an error, not an endless wait. */
const REQUEST_TIMEOUT_S = 10;
/** Bound on the latencies kept (unthrottled runs on a fast route make many). */
const SAMPLES_MAX = 5_000_000;

export function runLoad(spec: LoadSpec): Promise<LoadFigures> {
  const latencies_ms: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.duration_s,
        pipelining: 1,
        timeout: REQUEST_TIMEOUT_S,
        ...(spec.rate_rps === null ? {} : { overallRate: spec.rate_rps }),
      },
      (error: unknown, result: autocannon.Result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error("autocannon failed", { cause: error }));
          return;
        }
        resolve({
          requests: latencies_ms.length,
          achieved_rps: result["2xx"] / result.duration,
          ...latencyFigures(latencies_ms),
          autocannon_p99_ms: result.latency.p99,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
        });
      },
    );
    instance.on("response", (_client, status_code: number, _bytes, response_ms: number) => {
      if (status_code >= 200 && status_code < 300 && latencies_ms.length < SAMPLES_MAX)
        latencies_ms.push(response_ms);
    });
  });
}
