// Judging a run by its shape's expectation, the one-line summary of a run, and the per-shape
// table of medians the matrix writes (bench/results/faults-*.md).
import { formatSummary, summarize, table } from "../../bench/lib/index.js";
import type { Summary } from "../../bench/lib/index.js";
import { leaseGrantWindowMs, leaseMs } from "@sentinel-plane/core";
import type { Interval, Verdict, VipVerdict } from "./checker.js";
import { dataSafetyViolations, liveViolations, lossesOutside, safetyViolations } from "./checker.js";
import type { FaultSettings, RunResult } from "./harness.js";
import type { FaultShape } from "./shapes.js";

/**
 * How long before the fault a write may have been acknowledged and still not have reached a
 * replica (asynchronous replication: on these hosts a replica has it within a round trip; the
 * rest is scheduling delay on a loaded machine).
 */
export const REPLICATION_LAG_MAX_MS = 100;

/**
 * The window (ms after the fault) in which README says lost writes are acknowledged: from the
 * replication lag before the fault to the old primary's lease fence, at most
 * lease_grant_window (down-after / 2: the agents stop vouching) + lease after it (ADR 0001).
 */
export function documentedLossWindow(settings: FaultSettings): Interval {
  return {
    from_ms: -REPLICATION_LAG_MAX_MS,
    to_ms: leaseGrantWindowMs(settings) + leaseMs(settings),
  };
}

/** What the run broke of what its shape promises (shapes.ts, Expectation). */
export function judge(shape: FaultShape, v: Verdict, settings: FaultSettings): string[] {
  const bound_ms = settings.down_after_ms + settings.failover_timeout_ms;
  switch (shape.expect) {
    case "safe":
      return [...safetyViolations(v, bound_ms), ...lossesOutside(v.losses, documentedLossWindow(settings))];
    case "known-unsafe":
      return liveViolations(v);
    case "known-unconverged":
      return v.final_primary === null ? ["no single writable primary at the end"] : [];
    case "known-vip-split":
      return [
        ...dataSafetyViolations(v, bound_ms),
        ...lossesOutside(v.losses, documentedLossWindow(settings)),
      ];
  }
}

const f0 = (x: number | null): string => (x === null || !Number.isFinite(x) ? "-" : x.toFixed(0));

export function runLine(shape: FaultShape, r: RunResult, violations: readonly string[]): string {
  const v = r.verdict;
  const losses = v.losses
    .map(
      (l) =>
        `${l.writer} ${l.lost}/${l.acked}${l.window === null ? "" : ` [${f0(l.window.from_ms)}..${f0(l.window.to_ms)}]`}`,
    )
    .join(", ");
  const status = violations.length === 0 ? "ok" : `VIOLATED (${violations.join("; ")})`;
  const vip =
    v.vip === null
      ? ""
      : `; VIP on the final primary's host after ${f0(v.vip.on_primary_after_ms)} ms, alone after ` +
        `${f0(v.vip.alone_on_primary_after_ms)} ms, two holders ${v.vip.two_holders.length}x ` +
        `${f0(v.vip.two_holders_ms)} ms, held by ${v.vip.holders_at_end.join(",") || "nobody"} at the end`;
  return (
    `[${shape.name} ${shape.expect}] ${status}: switch ${f0(r.switch_after_ms)} ms, single writable after ` +
    `${f0(v.single_writable_after_ms)} ms (${v.final_primary ?? "none"}), no writable ${f0(v.no_writable_ms)} ms, ` +
    `old-primary acks after promotion ${v.acks_after_promotion}, two writable ${v.double_writable.length}x ` +
    `${f0(v.double_writable_ms)} ms; lost ${losses}${vip}`
  );
}

/** Figures per shape over its runs. */
export interface ShapeSummary {
  readonly shape: string;
  readonly expect: string;
  readonly runs: number;
  readonly violated_runs: number;
  readonly switch_ms: Summary;
  readonly single_writable_ms: Summary;
  readonly no_writable_ms: Summary;
  readonly acks_after_promotion: Summary;
  readonly double_writable_ms: Summary;
  /** Lost writes per run, every writer together. */
  readonly lost: Summary;
  /** The latest (relative to the fault) acknowledgement of a lost write, per run. */
  readonly lost_window_end_ms: Summary;
  readonly not_converged: number;
  /** Null: the shape runs no VIP. */
  readonly vip: VipSummary | null;
}

export interface VipSummary {
  readonly on_primary_ms: Summary;
  readonly alone_on_primary_ms: Summary;
  /** Intervals with two holders, per run. */
  readonly two_holders: Summary;
  readonly two_holders_ms: Summary;
  /** Runs with at least one interval of two holders. */
  readonly runs_with_two_holders: number;
}

export function summarizeShape(
  shape: FaultShape,
  runs: readonly { readonly result: RunResult; readonly violations: readonly string[] }[],
): ShapeSummary {
  const v = runs.map((r) => r.result.verdict);
  return {
    shape: shape.name,
    expect: shape.expect,
    runs: runs.length,
    violated_runs: runs.filter((r) => r.violations.length > 0).length,
    switch_ms: summarize(runs.map((r) => r.result.switch_after_ms ?? Number.NaN)),
    single_writable_ms: summarize(v.map((x) => x.single_writable_after_ms ?? Number.NaN)),
    no_writable_ms: summarize(v.map((x) => x.no_writable_ms)),
    acks_after_promotion: summarize(v.map((x) => x.acks_after_promotion)),
    double_writable_ms: summarize(v.map((x) => x.double_writable_ms)),
    lost: summarize(v.map((x) => x.losses.reduce((sum, l) => sum + l.lost, 0))),
    lost_window_end_ms: summarize(
      v.map((x) => Math.max(...x.losses.map((l) => l.window?.to_ms ?? Number.NEGATIVE_INFINITY))),
    ),
    not_converged: v.filter((x) => x.convergence.length > 0).length,
    vip: shape.vip === true ? summarizeVip(v.flatMap((x) => (x.vip === null ? [] : [x.vip]))) : null,
  };
}

function summarizeVip(v: readonly VipVerdict[]): VipSummary {
  return {
    on_primary_ms: summarize(v.map((x) => x.on_primary_after_ms ?? Number.NaN)),
    alone_on_primary_ms: summarize(v.map((x) => x.alone_on_primary_after_ms ?? Number.NaN)),
    two_holders: summarize(v.map((x) => x.two_holders.length)),
    two_holders_ms: summarize(v.map((x) => x.two_holders_ms)),
    runs_with_two_holders: v.filter((x) => x.two_holders.length > 0).length,
  };
}

const med = (s: Summary): string =>
  s.n === 0 ? "-" : `${s.median.toFixed(0)} (${s.min.toFixed(0)}-${s.max.toFixed(0)})`;

export function summaryTable(summaries: readonly ShapeSummary[]): string {
  return table(
    [
      "shape",
      "expect",
      "runs",
      "violated",
      "+switch-master ms",
      "single writable after ms",
      "no writable ms",
      "old-primary acks after promotion",
      "two writable ms",
      "lost writes",
      "last lost ack ms",
      "not converged",
    ],
    summaries.map((s) => [
      s.shape,
      s.expect,
      String(s.runs),
      String(s.violated_runs),
      med(s.switch_ms),
      med(s.single_writable_ms),
      med(s.no_writable_ms),
      med(s.acks_after_promotion),
      med(s.double_writable_ms),
      med(s.lost),
      med(s.lost_window_end_ms),
      String(s.not_converged),
    ]),
  );
}

/** The VIP figures of the shapes that run one; empty when none does. */
export function vipTable(summaries: readonly ShapeSummary[]): string {
  const rows = summaries.flatMap((s) =>
    s.vip === null
      ? []
      : [
          [
            s.shape,
            s.expect,
            String(s.runs),
            med(s.switch_ms),
            med(s.vip.on_primary_ms),
            med(s.vip.alone_on_primary_ms),
            med(s.vip.two_holders),
            med(s.vip.two_holders_ms),
            String(s.vip.runs_with_two_holders),
          ],
        ],
  );
  if (rows.length === 0) return "";
  return table(
    [
      "shape (VIP)",
      "expect",
      "runs",
      "+switch-master ms",
      "VIP on new primary's host ms",
      "VIP there alone ms",
      "two-holder intervals",
      "two holders ms",
      "runs with two holders",
    ],
    rows,
  );
}

export { formatSummary };
