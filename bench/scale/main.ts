// Scale benchmark: one sentinel-agent and one Redis Sentinel (same run, same settings) monitoring
// N primaries (real redis-servers, no replicas). After a warm-up, CPU % of each process over
// --window-s seconds (from /proc: utime + stime), repeated --runs times, medians reported; RSS
// (VmRSS) and peak RSS (VmHWM) at the end. The nats-server our agent needs is reported apart.
//
//   node --import tsx bench/scale/main.ts [--primaries 50,200] [--window-s 60] [--runs 3]
//     [--warmup-s 10] [--down-after 30000] [--prof] [--agent-node-arg=--some-node-option ...]
//     [--agent-runtime tsx|bundle] [--agent-bundle path/to/main.js] [--agent-env NAME=value ...]
//
// --agent-env adds to the agent's environment only (e.g. --agent-env MALLOC_ARENA_MAX=1, as the
// systemd unit, the image and `up` start it); the result file names it.
// --agent-bundle runs that compiled agent instead of building one (e.g. an earlier build kept for a
// before/after comparison: `bench/results/scale-*.md` then names the file).
// --prof runs the agent under `node --cpu-prof` and prints where its CPU goes (the profiler
// costs CPU itself: figures of a --prof run are not the benchmark's figures).
import { setMaxListeners } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Harness } from "@sentinel-plane/testkit";
import { ratio, summarize, table, writeResults } from "../lib/index.js";
import { withBenchHarness } from "../lib/bench-harness.js";
import { buildAgentBundle } from "../lib/agent-bundle.js";
import { mainThreadProfile, monotonicNowUs, summarizeCpuProfile } from "../lib/cpu-profile.js";
import type { ProfileSummary } from "../lib/cpu-profile.js";
import { memoryKb, startCpuWindow } from "../lib/proc-stat.js";
import type { MemoryKb } from "../lib/proc-stat.js";
import { healthyMasters, pollUntil, sentinelClient, sentinelMasters } from "../lib/sentinel-query.js";
import { startScaleSetup } from "./setup.js";
import type { ScaleSettings, ScaleSetup } from "./setup.js";

const { values } = parseArgs({
  options: {
    primaries: { type: "string", default: "50,200" },
    "window-s": { type: "string", default: "60" },
    runs: { type: "string", default: "3" },
    "warmup-s": { type: "string", default: "10" },
    "down-after": { type: "string", default: "30000" },
    prof: { type: "boolean", default: false },
    "agent-node-arg": { type: "string", multiple: true, default: [] },
    "agent-env": { type: "string", multiple: true, default: [] },
    "agent-runtime": { type: "string", default: "tsx" },
    "agent-bundle": { type: "string" },
  },
});
const PRIMARIES = values.primaries.split(",").map(Number);
const WINDOW_S = Number(values["window-s"]);
const RUNS = Number(values.runs);
const WARMUP_S = Number(values["warmup-s"]);
const DOWN_AFTER_MS = Number(values["down-after"]);
const PROFILE = values.prof;
/** Extra node options for the agent (e.g. `--agent-node-arg=--max-semi-space-size=1`). */
const AGENT_NODE_ARGS = values["agent-node-arg"];
/** `--agent-env NAME=value`: the agent's extra environment. */
const AGENT_ENV: Record<string, string> = {};
for (const item of values["agent-env"]) {
  const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(item);
  if (match?.[1] === undefined || match[2] === undefined)
    throw new Error(`--agent-env: NAME=value, got ${item}`);
  AGENT_ENV[match[1]] = match[2];
}
/** tsx: as the product runs (`node --import tsx`); bundle: plain node on an esbuild bundle. */
const AGENT_RUNTIME = values["agent-runtime"];
if (AGENT_RUNTIME !== "tsx" && AGENT_RUNTIME !== "bundle") throw new Error("--agent-runtime tsx|bundle");
const AGENT_BUNDLE =
  values["agent-bundle"] !== undefined
    ? resolve(values["agent-bundle"])
    : AGENT_RUNTIME === "bundle"
      ? buildAgentBundle()
      : null;
const COMMAND = `node --import tsx bench/scale/main.ts ${process.argv.slice(2).join(" ")}`.trim();
for (const n of [...PRIMARIES, WINDOW_S, RUNS, WARMUP_S, DOWN_AFTER_MS]) {
  if (!Number.isFinite(n) || n <= 0) throw new Error(`bad numeric argument in: ${COMMAND}`);
}

/** Until both report every master up; 200 redis-servers on a loaded 2-core machine take a while. */
const READY_TIMEOUT_MS = 180_000;
const AGENT_STOP_GRACE_MS = 30_000;

interface Window {
  readonly elapsed_s: number;
  readonly cpu_pct: Readonly<Record<string, number>>;
  /** Masters each side reported healthy at the end of the window. */
  readonly healthy: { readonly sentinel: number; readonly agent: number };
  /** VmRSS at the end of the window (growth across windows would show a leak). */
  readonly rss_kb: { readonly sentinel: number; readonly agent: number; readonly nats: number };
}

interface ScaleResult {
  readonly settings: ScaleSettings;
  readonly start_ms: ScaleSetup["start_ms"];
  readonly ready_ms: number;
  readonly windows: readonly Window[];
  readonly median_cpu_pct: { readonly sentinel: number; readonly agent: number; readonly nats: number };
  readonly memory_kb: { readonly sentinel: MemoryKb; readonly agent: MemoryKb; readonly nats: MemoryKb };
  /**
   * VmRSS sampled once a second through every window: a node process's RSS follows its
   * old-generation GC cycle (tens of MB), so one reading at the end says little.
   */
  readonly rss_samples_kb: { readonly sentinel: readonly number[]; readonly agent: readonly number[] };
  readonly profile: ProfileSummary | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function measure(primaries: number): Promise<ScaleResult> {
  const settings: ScaleSettings = {
    primaries,
    quorum: 1,
    down_after_ms: DOWN_AFTER_MS,
    failover_timeout_ms: 180_000,
    redis_maxmemory: "8mb",
    start_concurrency: 16,
  };
  return withBenchHarness(`bench-scale-${primaries}`, { ready_timeout_ms: 60_000 }, (procs, signal) => {
    // One wait per redis-server starting at once listens on this signal.
    setMaxListeners(4 * settings.start_concurrency, signal);
    return measureIn(procs, settings);
  });
}

/** One measurement on the harness `procs`: start both sides, wait until ready, measure the windows. */
async function measureIn(procs: Harness, settings: ScaleSettings): Promise<ScaleResult> {
  const primaries = settings.primaries;
  const profile_dir = PROFILE ? mkdtempSync(join(tmpdir(), "sp-scale-prof-")) : null;
  const setup = await startScaleSetup(procs, settings, {
    node_args: [
      ...AGENT_NODE_ARGS,
      ...(profile_dir === null ? [] : ["--cpu-prof", "--cpu-prof-dir", profile_dir]),
    ],
    bundle: AGENT_BUNDLE,
    env: AGENT_ENV,
  });
  const sentinel = await sentinelClient(setup.sentinel.port, "bench-scale");
  const agent = await sentinelClient(setup.agent.port, "bench-scale");
  procs.onCleanup(() => {
    sentinel.disconnect();
    agent.disconnect();
  });
  const healthy = async (): Promise<{ sentinel: number; agent: number }> => ({
    sentinel: healthyMasters(await sentinelMasters(sentinel)),
    agent: healthyMasters(await sentinelMasters(agent)),
  });
  const ready_start_ms = performance.now();
  await pollUntil(
    `both see ${primaries} healthy masters`,
    async () => {
      const h = await healthy();
      return h.sentinel === primaries && h.agent === primaries;
    },
    READY_TIMEOUT_MS,
  );
  const ready_ms = performance.now() - ready_start_ms;
  console.log(
    `${primaries} primaries: redis-servers up in ${(setup.start_ms.redis / 1000).toFixed(1)} s, both ready after ${(ready_ms / 1000).toFixed(1)} s; warm-up ${WARMUP_S} s`,
  );
  await sleep(WARMUP_S * 1000);
  const pids = {
    sentinel: setup.sentinel.process.pid,
    agent: setup.agent.process.pid,
    nats: setup.nats.pid,
  };
  const windows: Window[] = [];
  const rss_samples_kb = { sentinel: [] as number[], agent: [] as number[] };
  const measured_from_us = monotonicNowUs();
  for (let run = 0; run < RUNS; run++) {
    const window = startCpuWindow(pids);
    // Reading /proc once a second costs both processes nothing (the bench reads it).
    for (let s = 0; s < WINDOW_S; s++) {
      await sleep(1000);
      rss_samples_kb.sentinel.push(memoryKb(pids.sentinel).rss_kb);
      rss_samples_kb.agent.push(memoryKb(pids.agent).rss_kb);
    }
    const w = {
      ...window.finish(),
      healthy: await healthy(),
      rss_kb: {
        sentinel: memoryKb(pids.sentinel).rss_kb,
        agent: memoryKb(pids.agent).rss_kb,
        nats: memoryKb(pids.nats).rss_kb,
      },
    };
    windows.push(w);
    console.log(
      `  window ${run + 1}/${RUNS} (${w.elapsed_s.toFixed(1)} s): sentinel ${pct(w.cpu_pct["sentinel"])}, agent ${pct(w.cpu_pct["agent"])}, nats ${pct(w.cpu_pct["nats"])}; healthy ${w.healthy.sentinel}/${w.healthy.agent}; agent RSS ${mb(w.rss_kb.agent)}`,
    );
  }
  const measured_to_us = monotonicNowUs();
  const memory_kb = {
    sentinel: memoryKb(pids.sentinel),
    agent: memoryKb(pids.agent),
    nats: memoryKb(pids.nats),
  };
  const median = (label: string): number =>
    summarize(windows.map((w) => w.cpu_pct[label] ?? Number.NaN)).median;
  let profile: ProfileSummary | null = null;
  if (profile_dir !== null) {
    // --cpu-prof writes the profile when the process exits normally: SIGTERM, then wait.
    await setup.agent.process.stop(AGENT_STOP_GRACE_MS);
    const file = mainThreadProfile(profile_dir);
    // Only the measured windows: start-up (module loading, first connections) is excluded.
    if (file !== null)
      profile = summarizeCpuProfile(file, { from_us: measured_from_us, to_us: measured_to_us });
    console.log(`  cpu profile: ${file ?? `none written in ${profile_dir}`}`);
  }
  return {
    settings,
    start_ms: setup.start_ms,
    ready_ms,
    windows,
    median_cpu_pct: { sentinel: median("sentinel"), agent: median("agent"), nats: median("nats") },
    memory_kb,
    rss_samples_kb,
    profile,
  };
}

function pct(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? "-" : `${x.toFixed(2)} %`;
}

function sampled(samples_kb: readonly number[]): string {
  const s = summarize(samples_kb);
  return `${mb(s.median)} (${mb(s.max)})`;
}

function mb(kb: number): string {
  return `${(kb / 1024).toFixed(1)} MB`;
}

function profileTables(p: ProfileSummary): string {
  const rows = (lines: ProfileSummary["by_function"]): string[][] =>
    lines.map((l) => [l.name, l.self_ms.toFixed(0), `${l.busy_pct.toFixed(1)} %`]);
  return (
    `agent CPU profile over the measured windows: ${(p.busy_ms / 1000).toFixed(1)} s busy of ${(p.wall_ms / 1000).toFixed(1)} s\n\n` +
    table(["package (self time)", "ms", "of busy"], rows(p.by_package)) +
    "\n" +
    table(["origin (nearest caller in libs/ or services/)", "ms", "of busy"], rows(p.by_origin)) +
    "\n" +
    table(["function (self time)", "ms", "of busy"], rows(p.by_function))
  );
}

const results: ScaleResult[] = [];
for (const primaries of PRIMARIES) results.push(await measure(primaries));

const header = [
  "primaries",
  "Sentinel CPU",
  "ours CPU",
  "ours/Sentinel",
  "ours nats-server CPU",
  "Sentinel RSS (peak)",
  "ours RSS (peak)",
  "Sentinel private",
  "ours private",
  "Sentinel RSS median (max) of samples",
  "ours RSS median (max) of samples",
  "nats-server RSS",
  "healthy at window ends, Sentinel / ours (min)",
];
const rows = results.map((r) => [
  String(r.settings.primaries),
  pct(r.median_cpu_pct.sentinel),
  pct(r.median_cpu_pct.agent),
  `${ratio(r.median_cpu_pct.agent, r.median_cpu_pct.sentinel).toFixed(2)}x`,
  pct(r.median_cpu_pct.nats),
  `${mb(r.memory_kb.sentinel.rss_kb)} (${mb(r.memory_kb.sentinel.hwm_kb)})`,
  `${mb(r.memory_kb.agent.rss_kb)} (${mb(r.memory_kb.agent.hwm_kb)})`,
  mb(r.memory_kb.sentinel.anon_kb),
  mb(r.memory_kb.agent.anon_kb),
  sampled(r.rss_samples_kb.sentinel),
  sampled(r.rss_samples_kb.agent),
  mb(r.memory_kb.nats.rss_kb),
  // An agent that stopped probing masters (false SDOWN) is not a valid figure: shown, not hidden.
  `${Math.min(...r.windows.map((w) => w.healthy.sentinel))} / ${Math.min(...r.windows.map((w) => w.healthy.agent))}`,
]);
const notes =
  `CPU: median over ${RUNS} windows of ${WINDOW_S} s (100 % = one core), after all masters were ` +
  `seen healthy by both plus ${WARMUP_S} s. RSS at the end of the last window, and sampled once a second through the windows; private = RssAnon ` +
  `(RSS without the shared file pages of the executable and libraries).\n` +
  `Both monitor the same primaries (redis-server 7.0, maxmemory 8mb, no persistence, no replicas) ` +
  `with quorum 1, down-after ${DOWN_AFTER_MS} ms, failover-timeout 180000 ms; one agent, no ` +
  `data-nodes, no peers; Sentinel alone too.\n` +
  `Agent started as \`${Object.entries(AGENT_ENV)
    .map(([name, value]) => `${name}=${value} `)
    .join(
      "",
    )}node ${[...AGENT_NODE_ARGS, AGENT_BUNDLE === null ? "--import tsx <entry>" : (values["agent-bundle"] ?? "<esbuild bundle>")].join(" ")}\`.` +
  (PROFILE ? "\n\n**--prof run: the agent ran under the V8 profiler; its CPU figures are inflated.**" : "");
const markdown =
  table(header, rows) +
  "\n" +
  notes +
  "\n" +
  results
    .map((r) =>
      r.profile === null ? "" : `\n## ${r.settings.primaries} primaries\n\n${profileTables(r.profile)}`,
    )
    .join("");
// Variants (profiler, bundle, node options) get their own name: `scale-latest` stays the product as run.
const variant = [
  PROFILE ? "prof" : "",
  AGENT_BUNDLE === null ? "" : "bundle",
  AGENT_NODE_ARGS.length === 0 ? "" : "node-args",
  Object.keys(AGENT_ENV).length === 0 ? "" : "env",
].filter((v) => v !== "");
const files = writeResults(["scale", ...variant].join("-"), COMMAND, results, markdown);
console.log(`\n${markdown}\nwritten: ${files.md_path}`);
