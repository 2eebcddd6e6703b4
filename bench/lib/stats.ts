// Order statistics for benchmark figures: min / median / max (and p99 where a distribution is
// long enough to have one). Medians, never means: these 2-core machines are noisy.

export interface Summary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function summarize(xs: readonly number[]): Summary {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = s.length >> 1;
  const median = s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { n: s.length, min: s[0] ?? Number.NaN, median, max: s[s.length - 1] ?? Number.NaN };
}

/** Nearest-rank percentile, p in (0, 100]. */
export function percentile(xs: readonly number[], p: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] ?? Number.NaN;
}

/**
 * The latency percentiles of a load run, nearest-rank over every request's own time: one set for
 * both REST load tools, whose figures the throughput report puts side by side.
 */
export interface LatencyFigures {
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly p99_9_ms: number;
  readonly max_ms: number;
}

export function latencyFigures(samples_ms: readonly number[]): LatencyFigures {
  return {
    p50_ms: percentile(samples_ms, 50),
    p99_ms: percentile(samples_ms, 99),
    p99_9_ms: percentile(samples_ms, 99.9),
    max_ms: percentile(samples_ms, 100),
  };
}

/** "min 69 / median 119 / max 134 ms (n=5)" */
export function formatSummary(s: Summary, unit = "ms", digits = 0): string {
  if (s.n === 0) return "no samples";
  return `min ${s.min.toFixed(digits)} / median ${s.median.toFixed(digits)} / max ${s.max.toFixed(digits)} ${unit} (n=${s.n})`;
}

/** ours / theirs as "1.84x" with the direction spelled out by the caller. */
export function ratio(ours: number, theirs: number): number {
  return theirs === 0 ? Number.NaN : ours / theirs;
}
