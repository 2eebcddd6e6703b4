// Protocol and API throughput. (a) `redis-benchmark ... SENTINEL get-master-addr-by-name` against
// one of our agents and one Redis Sentinel, alternating, without and with pipelining: requests/s
// and latency percentiles (redis-benchmark's). (b) REST `GET` of one master's committed topology
// (and, for comparison, of the master's in-memory view): autocannon from one client address at a
// fixed rate (which meets the per-address rate limit), then from many addresses at the fixed rate
// and unthrottled. Medians over --runs. Both deployments run side by side on this machine.
//
//   node --import tsx bench/throughput/main.ts [--runs 3] [--requests 200000] [--clients 50]
//     [--pipeline 16] [--rest-rate 2000] [--rest-duration-s 20] [--rest-connections 10]
//     [--rest-routes topology,master] [--rest-sources 50]
import { parseArgs } from "node:util";
import { ratio, summarize, table, writeResults } from "../lib/index.js";
import { withBenchHarness } from "../lib/bench-harness.js";
import { startCpuWindow } from "../lib/proc-stat.js";
import { runRedisBenchmark } from "./redis-benchmark.js";
import type { BenchmarkFigures } from "./redis-benchmark.js";
import { loopbackSources, runHttpLoad } from "../lib/http-load.js";
import type { HttpLoadFigures } from "../lib/http-load.js";
import { runLoad } from "./rest-load.js";
import type { LoadFigures } from "./rest-load.js";
import { MASTER_NAME, SHAPE, startOurSide, startSentinelSide } from "./setup.js";
import type { Target } from "./setup.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "3" },
    requests: { type: "string", default: "200000" },
    clients: { type: "string", default: "50" },
    pipeline: { type: "string", default: "16" },
    "rest-rate": { type: "string", default: "2000" },
    "rest-duration-s": { type: "string", default: "20" },
    "rest-connections": { type: "string", default: "10" },
    "rest-routes": { type: "string", default: "topology,master" },
    "rest-sources": { type: "string", default: "50" },
  },
});
const RUNS = Number(values.runs);
const REQUESTS = Number(values.requests);
const CLIENTS = Number(values.clients);
const PIPELINE = Number(values.pipeline);
const REST_RATE = Number(values["rest-rate"]);
const REST_DURATION_S = Number(values["rest-duration-s"]);
const REST_CONNECTIONS = Number(values["rest-connections"]);
/** Client addresses (one connection each) of the multi-address REST runs. */
const REST_SOURCES = Number(values["rest-sources"]);
const COMMAND = `node --import tsx bench/throughput/main.ts ${process.argv.slice(2).join(" ")}`.trim();
for (const n of [
  RUNS,
  REQUESTS,
  CLIENTS,
  PIPELINE,
  REST_RATE,
  REST_DURATION_S,
  REST_CONNECTIONS,
  REST_SOURCES,
]) {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bad numeric argument in: ${COMMAND}`);
}
const ROUTES: Readonly<Record<string, string>> = {
  topology: `/v1/masters/${MASTER_NAME}/topology`,
  master: `/v1/masters/${MASTER_NAME}`,
};
const REST_ROUTES = values["rest-routes"].split(",");
for (const r of REST_ROUTES) if (ROUTES[r] === undefined) throw new Error(`unknown --rest-routes entry ${r}`);
const PIPELINES = PIPELINE === 1 ? [1] : [1, PIPELINE];
const RESP_COMMAND = ["SENTINEL", "get-master-addr-by-name", MASTER_NAME] as const;

interface RespSample extends BenchmarkFigures {
  readonly side: Target["side"];
  readonly pipeline: number;
  readonly run: number;
  /** CPU % of the benchmarked process while it was loaded. */
  readonly target_cpu_pct: number;
}

async function respRun(target: Target, pipeline: number, run: number): Promise<RespSample> {
  const cpu = startCpuWindow({ target: target.pid });
  const figures = await runRedisBenchmark({
    port: target.sentinel_port,
    requests: REQUESTS,
    clients: CLIENTS,
    pipeline,
    command: RESP_COMMAND,
  });
  const target_cpu_pct = cpu.finish().cpu_pct["target"] ?? Number.NaN;
  console.log(
    `  ${target.side.padEnd(8)} -P ${String(pipeline).padEnd(2)} run ${run + 1}: ${figures.rps.toFixed(0)} req/s, p50 ${figures.p50_ms} ms, p99 ${figures.p99_ms} ms, CPU ${target_cpu_pct.toFixed(0)} %`,
  );
  return { ...figures, side: target.side, pipeline, run, target_cpu_pct };
}

interface RestSample {
  readonly route: string;
  /** autocannon from one client address, or our generator from --rest-sources addresses. */
  readonly tool: "autocannon" | "multi-source";
  readonly sources: number;
  readonly rate_rps: number | null;
  readonly run: number;
  readonly achieved_rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p99_9_ms: number;
  /** autocannon: its whole-ms histogram p99; multi-source: p99 from the scheduled send time. */
  readonly p99_corrected_ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly agent_cpu_pct: number;
  readonly nats_cpu_pct: number;
  readonly raw: LoadFigures | HttpLoadFigures;
}

async function restRun(
  ours: Target,
  route: string,
  tool: RestSample["tool"],
  rate_rps: number | null,
  run: number,
): Promise<RestSample> {
  const path = ROUTES[route] ?? "";
  const port = ours.rest_port ?? 0;
  const cpu = startCpuWindow({ agent: ours.pid, nats: ours.nats_pid ?? ours.pid });
  let sample: Omit<RestSample, "agent_cpu_pct" | "nats_cpu_pct">;
  if (tool === "autocannon") {
    const raw = await runLoad({
      url: `http://127.0.0.1:${port}${path}`,
      connections: REST_CONNECTIONS,
      duration_s: REST_DURATION_S,
      rate_rps,
    });
    sample = { ...raw, route, tool, sources: 1, rate_rps, run, p99_corrected_ms: raw.autocannon_p99_ms, raw };
  } else {
    const raw = await runHttpLoad({
      port,
      path,
      sources: loopbackSources(REST_SOURCES),
      duration_s: REST_DURATION_S,
      rate_rps,
    });
    sample = {
      ...raw,
      route,
      tool,
      sources: REST_SOURCES,
      rate_rps,
      run,
      p99_corrected_ms: raw.p99_from_schedule_ms,
      errors: raw.errors + raw.dropped,
      raw,
    };
  }
  const { cpu_pct } = cpu.finish();
  const agent_cpu_pct = cpu_pct["agent"] ?? Number.NaN;
  const nats_cpu_pct = cpu_pct["nats"] ?? Number.NaN;
  console.log(
    `  REST ${route} ${tool} (${sample.sources} addr) ${rate_rps === null ? "unthrottled" : `@${rate_rps}/s`} run ${run + 1}: ${sample.achieved_rps.toFixed(0)} req/s, p50 ${sample.p50_ms.toFixed(2)} ms, p99 ${sample.p99_ms.toFixed(2)} ms, p99.9 ${sample.p99_9_ms.toFixed(2)} ms, errors ${sample.errors}, non-2xx ${sample.non2xx}, agent CPU ${agent_cpu_pct.toFixed(0)} %, nats-server CPU ${nats_cpu_pct.toFixed(0)} %`,
  );
  return { ...sample, agent_cpu_pct, nats_cpu_pct };
}

/** The route must answer 200 with a committed record before its latency means anything. */
async function checkRoute(ours: Target, route: string): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${ours.rest_port ?? 0}${ROUTES[route] ?? ""}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await response.json()) as { record?: unknown };
  if (response.status !== 200 || (route === "topology" && (body.record ?? null) === null))
    throw new Error(`GET ${route}: ${response.status} ${JSON.stringify(body)}`);
}

const median = (xs: readonly number[]): number => summarize(xs).median;
const fixed = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : "-");

const resp: RespSample[] = [];
const rest: RestSample[] = [];
await withBenchHarness("bench-throughput", {}, async (procs) => {
  const sentinel = await startSentinelSide(procs);
  const ours = await startOurSide(procs);
  console.log(`redis-benchmark -n ${REQUESTS} -c ${CLIENTS} ${RESP_COMMAND.join(" ")}, alternating:`);
  for (let run = 0; run < RUNS; run++) {
    for (const pipeline of PIPELINES) {
      for (const target of [sentinel, ours]) resp.push(await respRun(target, pipeline, run));
    }
  }
  for (const route of REST_ROUTES) await checkRoute(ours, route);
  console.log(`REST, ${REST_DURATION_S} s each:`);
  for (let run = 0; run < RUNS; run++) {
    for (const route of REST_ROUTES) {
      // One client address runs into the per-address rate limit: shown once per route.
      if (run === 0) rest.push(await restRun(ours, route, "autocannon", REST_RATE, run));
      rest.push(await restRun(ours, route, "multi-source", REST_RATE, run));
      rest.push(await restRun(ours, route, "multi-source", null, run));
    }
  }
});

const respRows = PIPELINES.flatMap((pipeline) => {
  const of = (side: Target["side"]): RespSample[] =>
    resp.filter((s) => s.side === side && s.pipeline === pipeline);
  const theirs = of("sentinel");
  const mine = of("ours");
  const rps_ratio = ratio(median(mine.map((s) => s.rps)), median(theirs.map((s) => s.rps)));
  return [
    ...[theirs, mine].map((samples) => [
      samples[0]?.side === "ours" ? "ours" : "Sentinel",
      String(pipeline),
      fixed(median(samples.map((s) => s.rps)), 0),
      fixed(median(samples.map((s) => s.p50_ms)), 3),
      fixed(median(samples.map((s) => s.p99_ms)), 3),
      fixed(median(samples.map((s) => s.target_cpu_pct)), 0),
    ]),
    ["ours/Sentinel", String(pipeline), `${fixed(rps_ratio)}x`, "", "", ""],
  ];
});
const restRows = REST_ROUTES.flatMap((route) =>
  (
    [
      ["autocannon", REST_RATE],
      ["multi-source", REST_RATE],
      ["multi-source", null],
    ] as const
  ).map(([tool, rate]) => {
    const samples = rest.filter((s) => s.route === route && s.tool === tool && s.rate_rps === rate);
    const m = (pick: (s: RestSample) => number): number => median(samples.map(pick));
    return [
      `GET ${ROUTES[route] ?? route}`,
      tool === "autocannon"
        ? `autocannon, 1 address, ${REST_CONNECTIONS} conn`
        : `${REST_SOURCES} addresses, 1 conn each`,
      rate === null ? "unthrottled" : `${rate}/s`,
      String(samples.length),
      fixed(
        m((s) => s.achieved_rps),
        0,
      ),
      fixed(m((s) => s.p50_ms)),
      fixed(m((s) => s.p99_ms)),
      fixed(m((s) => s.p99_9_ms)),
      fixed(m((s) => s.p99_corrected_ms)),
      String(samples.reduce((n, s) => n + s.errors, 0)),
      String(samples.reduce((n, s) => n + s.non2xx, 0)),
      fixed(
        m((s) => s.agent_cpu_pct),
        0,
      ),
      fixed(
        m((s) => s.nats_cpu_pct),
        0,
      ),
    ];
  }),
);
const markdown =
  `Sentinel protocol: \`redis-benchmark -n ${REQUESTS} -c ${CLIENTS} [-P n] --csv ${RESP_COMMAND.join(" ")}\`, ` +
  `median of ${RUNS} runs per row, the two sides alternating; latency percentiles are redis-benchmark's.\n\n` +
  table(["side", "-P", "requests/s", "p50 ms", "p99 ms", "target CPU %"], respRows) +
  `\nREST (ours only), ${REST_DURATION_S} s per run, medians over the runs ("runs" column). The agent ` +
  `rate-limits each client address (200 requests/s by default, answered 429 beyond), so one ` +
  `autocannon client (one address) cannot get 2,000/s through: that row shows the limit; the other ` +
  `rows spread the load over ${REST_SOURCES} loopback addresses (127.0.0.x), one keep-alive ` +
  `connection each (bench/lib/http-load.ts). Latency from sending a request to the end of its ` +
  `reply; "p99 corr." is autocannon's whole-ms histogram p99, or for the multi-address runs the ` +
  `p99 from the time each request was due (open loop, no coordinated omission). Errors and non-2xx ` +
  `are summed over runs. Reads need no token.\n\n` +
  table(
    [
      "route",
      "client",
      "offered",
      "runs",
      "requests/s (2xx)",
      "p50 ms",
      "p99 ms",
      "p99.9 ms",
      "p99 corr. ms",
      "errors",
      "non-2xx",
      "agent CPU %",
      "nats-server CPU %",
    ],
    restRows,
  ) +
  `\nDeployments, side by side: ours = nats-server + 1 primary + ${SHAPE.replicas} replicas with data-nodes + ` +
  `${SHAPE.sentinels} agents; Sentinel = 1 primary + ${SHAPE.replicas} replicas + ${SHAPE.sentinels} redis-sentinel; ` +
  `quorum ${SHAPE.quorum}, down-after ${SHAPE.down_after_ms} ms, failover-timeout ${SHAPE.failover_timeout_ms} ms on both. ` +
  `The load generators run on the same 2 cores.\n`;
const files = writeResults("throughput", COMMAND, { resp, rest }, markdown);
console.log(`\n${markdown}\nwritten: ${files.md_path}`);
