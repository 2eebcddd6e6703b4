// Where a node process spends its CPU, from a V8 `.cpuprofile` (written by `node --cpu-prof`):
// self time per function and per package (node_modules/<pkg>, libs/<x>, services/<x>, node's
// internals, GC), and per "origin" (the nearest caller in our own code, so time spent in
// ioredis or a socket write is charged to the code that asked for it), as a share of the busy
// (non-idle) time, optionally only over a time window (start-up excluded). Benchmarks print this
// when our side misses a target, so the report names the top costs with figures.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

export interface CostLine {
  readonly name: string;
  readonly self_ms: number;
  /** Share of the busy time (everything but `(idle)`), in %. */
  readonly busy_pct: number;
}

export interface ProfileSummary {
  readonly wall_ms: number;
  readonly busy_ms: number;
  readonly by_function: readonly CostLine[];
  readonly by_package: readonly CostLine[];
  readonly by_origin: readonly CostLine[];
}

/**
 * A window on the profiled process's monotonic clock in microseconds: V8 stamps samples with
 * CLOCK_MONOTONIC, the clock of `process.hrtime` in every process on the machine.
 */
export interface ProfileWindow {
  readonly from_us: number;
  readonly to_us: number;
}

/** `process.hrtime` now, in microseconds, comparable with a profile's sample times. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * The main thread's profile in `dir` (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`,
 * thread 0); under tsx a second one belongs to the module-loader thread.
 */
export function mainThreadProfile(dir: string): string | null {
  const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  return file === undefined ? null : join(dir, file);
}

const SPECIAL = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** The package a script belongs to, from its URL. */
export function packageOf(frame: CallFrame): string {
  if (SPECIAL.has(frame.functionName) && frame.url === "") return frame.functionName;
  const url = frame.url;
  if (url === "") return "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0] ?? ""}`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  const ours = /\/(libs|services|bench)\/([^/]+)\//.exec(url);
  if (ours?.[1] !== undefined && ours[2] !== undefined) return `${ours[1]}/${ours[2]}`;
  return url;
}

function isOurs(url: string): boolean {
  return /\/(libs|services)\/[^/]+\/src\//.test(url) && !url.includes("node_modules");
}

function frameName(frame: CallFrame): string {
  if (frame.url === "") return frame.functionName;
  const name = frame.functionName === "" ? "(anonymous)" : frame.functionName;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function shortUrl(url: string): string {
  const i = url.lastIndexOf("node_modules/");
  if (i >= 0) return url.slice(i + "node_modules/".length);
  const ours = /\/((?:libs|services|bench)\/.*)$/.exec(url);
  return ours?.[1] ?? url.replace(/^file:\/\//, "");
}

function top(totals: Map<string, number>, busy_ms: number, limit: number): CostLine[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, self_ms]) => ({ name, self_ms, busy_pct: busy_ms > 0 ? (self_ms / busy_ms) * 100 : 0 }));
}

export function summarizeCpuProfile(
  path: string,
  window: ProfileWindow | null = null,
  limit = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const originOf = new Map<number, string>();
  /** The nearest frame in our code at or above `id` (memoised; the tree depth bounds the walk). */
  const origin = (id: number): string => {
    const known = originOf.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    let found: string;
    if (node === undefined) found = "(unknown)";
    else if (isOurs(node.callFrame.url)) found = frameName(node.callFrame);
    else {
      const parent = parentOf.get(id);
      found = parent === undefined ? `(no caller of ours) ${packageOf(node.callFrame)}` : origin(parent);
    }
    originOf.set(id, found);
    return found;
  };
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, ms: number): void => {
    map.set(key, (map.get(key) ?? 0) + ms);
  };
  let busy_ms = 0;
  let t_us = profile.startTime;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time since the previous sample: charge it to this sample's function.
    const delta_us = profile.timeDeltas[i] ?? 0;
    t_us += delta_us;
    if (window !== null && (t_us < window.from_us || t_us > window.to_us)) return;
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === "(idle)") return;
    const ms = delta_us / 1000;
    busy_ms += ms;
    add(byFunction, frameName(node.callFrame), ms);
    add(byPackage, packageOf(node.callFrame), ms);
    add(byOrigin, SPECIAL.has(node.callFrame.functionName) ? node.callFrame.functionName : origin(id), ms);
  });
  const wall_ms =
    window === null
      ? (profile.endTime - profile.startTime) / 1000
      : (Math.min(window.to_us, profile.endTime) - Math.max(window.from_us, profile.startTime)) / 1000;
  return {
    wall_ms,
    busy_ms,
    by_function: top(byFunction, busy_ms, limit),
    by_package: top(byPackage, busy_ms, limit),
    by_origin: top(byOrigin, busy_ms, limit),
  };
}
