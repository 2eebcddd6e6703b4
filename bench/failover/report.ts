// Turns run records into the per-run line and the tables: per (fault, down-after) each figure's
// min / median / max for both sides and how many times faster ours is (theirs / ours, medians).
import { formatSummary, summarize, table } from "../lib/index.js";
import type { Summary } from "../lib/index.js";
import { speedup } from "./figures.js";
import type { FaultKind, ImplName, RunRecord, TimedEvent, WriterName } from "./types.js";
import { TIMED_EVENTS } from "./types.js";

interface Figure {
  readonly label: string;
  readonly value: (r: RunRecord) => number;
  /** A count (lost writes): no speed-up ratio. */
  readonly count?: boolean;
}

const eventFigure = (name: TimedEvent): Figure => ({
  label: name,
  value: (r) => r.events_ms[name] ?? Number.NaN,
});

const outageFigure = (writer: WriterName, label: string): Figure => ({
  label,
  value: (r) => r.writers[writer]?.outage_ms ?? Number.NaN,
});

export const FIGURES: readonly Figure[] = [
  ...TIMED_EVENTS.map(eventFigure),
  outageFigure("ioredis_sentinel", "client write outage, ioredis sentinel mode"),
  outageFigure("plain", "client write outage, plain client + get-master-addr"),
  {
    label: "acknowledged writes lost (both writers)",
    value: (r) => (r.writers.ioredis_sentinel?.lost ?? Number.NaN) + (r.writers.plain?.lost ?? Number.NaN),
    count: true,
  },
];

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : "-");

export function runLine(r: RunRecord, of_rounds: number): string {
  const head = `[${r.impl} ${r.fault} down-after ${r.down_after_ms} #${r.round}/${of_rounds}]`;
  const events = TIMED_EVENTS.map((n) => `${n} ${f0(r.events_ms[n] ?? Number.NaN)}`).join(", ");
  const w = (n: WriterName): string => {
    const x = r.writers[n];
    if (x === undefined) return "-";
    const restarts = x.client_restarts > 0 ? `, ${x.client_restarts} client restart(s)` : "";
    return `${f0(x.outage_ms)} ms (lost ${f0(x.lost)}/${x.acked}${restarts})`;
  };
  const status = r.ok ? "ok" : `FAILED (${r.reason ?? "?"})`;
  return `${head} ${status}: ${events}; outage ioredis ${w("ioredis_sentinel")}, plain ${w("plain")}`;
}

export interface GroupSummary {
  readonly fault: FaultKind;
  readonly down_after_ms: number;
  readonly figures: readonly {
    readonly label: string;
    readonly ours: Summary;
    readonly sentinel: Summary;
    /** theirs / ours of the medians (NaN for counts). */
    readonly speedup: number;
  }[];
  readonly failed: Readonly<Record<ImplName, number>>;
}

export function summarizeGroup(
  runs: readonly RunRecord[],
  fault: FaultKind,
  down_after_ms: number,
): GroupSummary {
  const of = (impl: ImplName): RunRecord[] =>
    runs.filter((r) => r.fault === fault && r.down_after_ms === down_after_ms && r.impl === impl);
  const ok = (impl: ImplName): RunRecord[] => of(impl).filter((r) => r.ok);
  return {
    fault,
    down_after_ms,
    figures: FIGURES.map((f) => {
      const ours = summarize(ok("ours").map(f.value));
      const sentinel = summarize(ok("sentinel").map(f.value));
      return {
        label: f.label,
        ours,
        sentinel,
        speedup: f.count === true ? Number.NaN : speedup(ours.median, sentinel.median),
      };
    }),
    failed: {
      ours: of("ours").length - ok("ours").length,
      sentinel: of("sentinel").length - ok("sentinel").length,
    },
  };
}

export function groupMarkdown(g: GroupSummary): string {
  const unit = (label: string): string => (label.startsWith("acknowledged") ? "" : "ms");
  const rows = g.figures.map((f) => [
    f.label,
    formatSummary(f.ours, unit(f.label)),
    formatSummary(f.sentinel, unit(f.label)),
    Number.isFinite(f.speedup) ? `${f.speedup.toFixed(2)}x` : "-",
  ]);
  const failed =
    g.failed.ours + g.failed.sentinel === 0
      ? ""
      : `\nFailed runs (not in the figures): ours ${g.failed.ours}, sentinel ${g.failed.sentinel}.\n`;
  return (
    `### ${g.fault}, down-after ${g.down_after_ms} ms\n\n` +
    "Milliseconds after the fault (first occurrence across the 3 sentinels / agents).\n\n" +
    table(["figure", "ours", "Redis Sentinel", "theirs / ours (medians)"], rows) +
    failed
  );
}

/** Median time of every event label seen after the fault, in order: where the time goes. */
export function medianTimeline(runs: readonly RunRecord[]): string {
  const labels = new Map<string, number[]>();
  const ok = runs.filter((x) => x.ok);
  for (const r of ok) {
    for (const [label, t] of Object.entries(r.timeline_ms))
      labels.set(label, [...(labels.get(label) ?? []), t]);
  }
  return [...labels]
    .map(([label, ts]) => ({ label, median: summarize(ts).median, n: ts.length }))
    .sort((a, b) => a.median - b.median)
    .map((x) => `${x.label} ${f0(x.median)}${x.n < ok.length ? ` (n=${x.n})` : ""}`)
    .join(", ");
}
