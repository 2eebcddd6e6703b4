// HTTP GET load from many client addresses (127.0.0.x: all of 127/8 is loopback on Linux), one
// keep-alive connection per address, because the agent's REST API rate-limits per client address
// (200 requests/s each by default) and autocannon cannot choose source addresses. Open loop at a
// fixed rate (latency counted from the scheduled time too, so a stall is not hidden: no
// coordinated omission), or closed loop (each connection sends its next request on a reply).
import http from "node:http";
import { latencyFigures, percentile } from "./stats.js";
import type { LatencyFigures } from "./stats.js";

export interface HttpLoadSpec {
  readonly port: number;
  readonly path: string;
  /** Source addresses, one connection each. */
  readonly sources: readonly string[];
  readonly duration_s: number;
  /** Requests per second over all connections; null = closed loop, as fast as replies come. */
  readonly rate_rps: number | null;
}

/** Latency (LatencyFigures): from sending the request to the end of the reply. */
export interface HttpLoadFigures extends LatencyFigures {
  readonly completed: number;
  readonly achieved_rps: number;
  /** From the time the request was due (open loop only; NaN in closed loop). */
  readonly p99_from_schedule_ms: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Requests not sent because in-flight requests reached the bound. */
  readonly dropped: number;
}

const REQUEST_TIMEOUT_MS = 10_000;
const IN_FLIGHT_MAX = 10_000;
const SCHEDULER_PERIOD_MS = 2;
const SAMPLES_MAX = 5_000_000;

/** `count` loopback addresses from 127.0.0.10 on (.10-.254, then the next /24). */
export function loopbackSources(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.${Math.floor(i / 245)}.${10 + (i % 245)}`);
}

export async function runHttpLoad(spec: HttpLoadSpec): Promise<HttpLoadFigures> {
  const agents = spec.sources.map(
    (localAddress) =>
      new http.Agent({ keepAlive: true, maxSockets: 1, localAddress, timeout: REQUEST_TIMEOUT_MS }),
  );
  const sent_ms: number[] = [];
  const scheduled_ms: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let dropped = 0;
  let in_flight = 0;
  let next_agent = 0;
  const start_ms = performance.now();
  const end_ms = start_ms + spec.duration_s * 1000;

  const send = (due_ms: number, on_done: () => void): void => {
    const agent = agents[next_agent++ % agents.length];
    const t0 = performance.now();
    in_flight++;
    const finish = (ok: boolean, status: number): void => {
      in_flight--;
      if (!ok) errors++;
      else if (status < 200 || status >= 300) non2xx++;
      else if (sent_ms.length < SAMPLES_MAX) {
        const t1 = performance.now();
        sent_ms.push(t1 - t0);
        scheduled_ms.push(t1 - due_ms);
      }
      on_done();
    };
    const request = http.get(
      { host: "127.0.0.1", port: spec.port, path: spec.path, agent, timeout: REQUEST_TIMEOUT_MS },
      (response) => {
        response.resume();
        response.on("end", () => {
          finish(true, response.statusCode ?? 0);
        });
        response.on("error", () => {
          finish(false, 0);
        });
      },
    );
    request.on("timeout", () => {
      request.destroy(new Error("timeout"));
    });
    request.on("error", () => {
      finish(false, 0);
    });
  };

  await new Promise<void>((resolve) => {
    const maybeResolve = (): void => {
      if (performance.now() >= end_ms && in_flight === 0) resolve();
    };
    if (spec.rate_rps === null) {
      const loop = (): void => {
        if (performance.now() < end_ms) send(performance.now(), loop);
        else maybeResolve();
      };
      for (let i = 0; i < agents.length; i++) loop();
      return;
    }
    const interval_ms = 1000 / spec.rate_rps;
    let issued = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor((Math.min(now, end_ms) - start_ms) / interval_ms);
      for (; issued < due; issued++) {
        if (in_flight >= IN_FLIGHT_MAX) dropped++;
        else send(start_ms + issued * interval_ms, maybeResolve);
      }
      if (now >= end_ms) {
        clearInterval(timer);
        maybeResolve();
      }
    }, SCHEDULER_PERIOD_MS);
  });
  const elapsed_s = (performance.now() - start_ms) / 1000;
  for (const agent of agents) agent.destroy();
  return {
    completed: sent_ms.length,
    achieved_rps: sent_ms.length / elapsed_s,
    ...latencyFigures(sent_ms),
    p99_from_schedule_ms: spec.rate_rps === null ? Number.NaN : percentile(scheduled_ms, 99),
    errors,
    non2xx,
    dropped,
  };
}
