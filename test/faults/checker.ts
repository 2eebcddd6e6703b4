// The fault suite's verdict, as pure functions of what the run recorded: the samples of every
// node (role and fence, every 10-20 ms), every acknowledged write with the node that took it,
// the keys the final primary holds, and the final state of every agent, data-node and replica.
// No clock, no I/O: checker.test.ts feeds them synthetic runs and shows each one fires.
import type { AckLine, SampleLine, VipLine } from "./lines.js";
import { TIMEOUT } from "./lines.js";

/** A node takes writes: role master and not fenced. */
export function writable(sample: SampleLine): boolean {
  return sample.role === "master" && sample.fenced === false;
}

/**
 * How a timed-out sample (a stopped or overloaded server; a refused one is simply down) counts:
 *  - "down": not writable. For two-writable intervals: only an observed writable node counts
 *    (a stopped server acknowledges nothing; acksAfterPromotion catches one that resumes).
 *  - "carry": the node's last answered state holds. For the outage and the settle time: a
 *    sampler timeout on a loaded machine is not a change of primary.
 */
export type Unknown = "down" | "carry";

/** A timed-out sample says nothing new about the node (a refused connection does: it is down). */
function informative(sample: SampleLine): boolean {
  return sample.error !== TIMEOUT;
}

export interface Interval {
  readonly from_ms: number;
  readonly to_ms: number;
}

export interface NodeInterval extends Interval {
  readonly nodes: readonly string[];
}

/**
 * Per node, the intervals in which it was writable: a sample's state holds until the node's
 * next sample (or `end_ms` after the last one).
 */
export function writableIntervals(
  samples: readonly SampleLine[],
  end_ms: number,
  unknown: Unknown = "down",
): Map<string, Interval[]> {
  return intervalsOn(samples, writable, end_ms, (sample) => unknown === "down" || informative(sample));
}

/**
 * Per node, the intervals in which `on` held of its lines (those `kept`). A line's state holds
 * until the node's next kept line ("next") or, certain only, until its last line on before an
 * off one ("last_on"); either way until `end_ms` after the last line.
 */
function intervalsOn<T extends { readonly node: string; readonly t_ms: number }>(
  lines: readonly T[],
  on: (line: T) => boolean,
  end_ms: number,
  kept: (line: T) => boolean = () => true,
  until: "next" | "last_on" = "next",
): Map<string, Interval[]> {
  const by_node = new Map<string, T[]>();
  for (const l of lines) by_node.set(l.node, [...(by_node.get(l.node) ?? []), l]);
  const out = new Map<string, Interval[]>();
  for (const [node, list] of by_node) {
    const sorted = [...list].sort((a, b) => a.t_ms - b.t_ms).filter(kept);
    const intervals: Interval[] = [];
    let open: number | null = null;
    let last_on = 0;
    for (const l of sorted) {
      if (on(l) && open === null) open = l.t_ms;
      if (!on(l) && open !== null) {
        intervals.push({ from_ms: open, to_ms: until === "next" ? l.t_ms : last_on });
        open = null;
      }
      if (on(l)) last_on = l.t_ms;
    }
    if (open !== null) intervals.push({ from_ms: open, to_ms: end_ms });
    out.set(node, intervals);
  }
  return out;
}

interface Edge {
  readonly t_ms: number;
  readonly node: string;
  readonly up: boolean;
}

/** The writable set over time: one entry per change, from the first sample to `end_ms`. */
export function writableTimeline(
  samples: readonly SampleLine[],
  end_ms: number,
  unknown: Unknown = "down",
): NodeInterval[] {
  return timelineOf(
    writableIntervals(samples, end_ms, unknown),
    Math.min(...samples.map((s) => s.t_ms)),
    end_ms,
  );
}

/** The set of nodes "on" over time, from per-node intervals: one entry per change. */
function timelineOf(
  per_node: ReadonlyMap<string, readonly Interval[]>,
  first_ms: number,
  end_ms: number,
): NodeInterval[] {
  const edges: Edge[] = [];
  for (const [node, intervals] of per_node) {
    for (const i of intervals)
      edges.push({ t_ms: i.from_ms, node, up: true }, { t_ms: i.to_ms, node, up: false });
  }
  // At one instant, ends before starts: touching intervals are not an overlap.
  edges.sort((a, b) => a.t_ms - b.t_ms || Number(a.up) - Number(b.up));
  const current = new Set<string>();
  const out: NodeInterval[] = [];
  let since = first_ms;
  for (const edge of edges) {
    if (edge.t_ms > since) out.push({ from_ms: since, to_ms: edge.t_ms, nodes: [...current].sort() });
    since = Math.max(since, edge.t_ms);
    if (edge.up) current.add(edge.node);
    else current.delete(edge.node);
  }
  if (end_ms > since) out.push({ from_ms: since, to_ms: end_ms, nodes: [...current].sort() });
  return merge(out);
}

function merge(list: readonly NodeInterval[]): NodeInterval[] {
  const out: NodeInterval[] = [];
  for (const item of list) {
    const last = out.at(-1);
    if (last !== undefined && last.nodes.join(",") === item.nodes.join(",") && last.to_ms === item.from_ms) {
      out[out.length - 1] = { ...last, to_ms: item.to_ms };
    } else out.push(item);
  }
  return out;
}

/** Intervals in which two or more nodes were writable at once. */
export function doubleWritable(samples: readonly SampleLine[], end_ms: number): NodeInterval[] {
  return writableTimeline(samples, end_ms).filter((i) => i.nodes.length >= 2);
}

/** Time with no writable node at all, after `from_ms` (a sampler timeout changes nothing). */
export function noWritable_ms(samples: readonly SampleLine[], from_ms: number, end_ms: number): number {
  return writableTimeline(samples, end_ms, "carry")
    .filter((i) => i.nodes.length === 0 && i.to_ms > from_ms)
    .reduce((sum, i) => sum + i.to_ms - Math.max(i.from_ms, from_ms), 0);
}

/**
 * How long after the fault the cluster settled on a single writable primary: the start of the
 * last stretch (it lasts until `end_ms`) with exactly one writable node, minus the fault's
 * instant (0 when the same single primary stayed writable throughout). Null when the run did not
 * end with exactly one writable node. A sampler timeout changes nothing ("carry").
 */
export function singleWritableAfter_ms(
  samples: readonly SampleLine[],
  fault_ms: number,
  end_ms: number,
): { readonly after_ms: number; readonly node: string } | null {
  const last = writableTimeline(samples, end_ms, "carry").at(-1);
  const node = last?.nodes[0];
  if (last === undefined || last.nodes.length !== 1 || node === undefined) return null;
  return { after_ms: Math.max(0, last.from_ms - fault_ms), node };
}

/**
 * When each node was promoted: its first writable sample, and every writable sample whose
 * node last answered as a replica. A master that only comes back (unfenced after a fence of its
 * own, resumed after a SIGSTOP, answering again after a timeout) is not promoted again: it is the
 * old primary, and must not make the new one look older than itself.
 */
export function promotions(samples: readonly SampleLine[]): { node: string; t_ms: number }[] {
  const by_node = new Map<string, SampleLine[]>();
  for (const s of samples) by_node.set(s.node, [...(by_node.get(s.node) ?? []), s]);
  const out: { node: string; t_ms: number }[] = [];
  for (const [node, list] of by_node) {
    let seen_writable = false;
    let last_role: string | null = null;
    for (const s of [...list].sort((a, b) => a.t_ms - b.t_ms)) {
      if (writable(s) && (!seen_writable || last_role === "slave")) out.push({ node, t_ms: s.t_ms });
      if (writable(s)) seen_writable = true;
      if (s.role !== null) last_role = s.role;
    }
  }
  return out.sort((a, b) => a.t_ms - b.t_ms);
}

/**
 * Writes certainly executed by a node after another node was promoted later than it was (the
 * write was *sent* after that promotion, so it cannot be an in-flight write of before): an old
 * primary taking writes after a new one's promotion.
 */
export function acksAfterPromotion(acks: readonly AckLine[], samples: readonly SampleLine[]): AckLine[] {
  const promoted = promotions(samples);
  return acks.filter((ack) => {
    const before = promoted.filter((p) => p.t_ms <= ack.sent_ms);
    const newest = before.at(-1);
    if (newest === undefined || newest.node === ack.node) return false;
    const own = before.filter((p) => p.node === ack.node).at(-1);
    // Never seen writable before: a just-promoted node whose samples lag, not an old primary.
    return own !== undefined && own.t_ms < newest.t_ms;
  });
}

export interface WriterLoss {
  readonly writer: string;
  readonly acked: number;
  readonly lost: number;
  /** When the lost writes were acknowledged, relative to the fault (null: none lost). */
  readonly window: { readonly from_ms: number; readonly to_ms: number } | null;
}

/** Acknowledged writes absent from the final primary, per writer. */
export function lostWrites(
  acks: readonly AckLine[],
  present: ReadonlySet<string>,
  fault_ms: number,
): WriterLoss[] {
  const writers = [...new Set(acks.map((a) => a.writer))].sort();
  return writers.map((writer) => {
    const mine = acks.filter((a) => a.writer === writer);
    const lost = mine.filter((a) => !present.has(a.key));
    const times = lost.map((a) => a.t_ms - fault_ms);
    return {
      writer,
      acked: mine.length,
      lost: lost.length,
      window: lost.length === 0 ? null : { from_ms: Math.min(...times), to_ms: Math.max(...times) },
    };
  });
}

/**
 * Lost writes acknowledged outside `window` (ms after the fault): one entry per writer whose
 * lost writes were acknowledged earlier than `window.from_ms` or later than `window.to_ms`.
 */
export function lossesOutside(losses: readonly WriterLoss[], window: Interval): string[] {
  return losses.flatMap((l) =>
    l.window === null || (l.window.from_ms >= window.from_ms && l.window.to_ms <= window.to_ms)
      ? []
      : [
          `${l.writer}: ${l.lost} lost writes acknowledged ${Math.round(l.window.from_ms)}..` +
            `${Math.round(l.window.to_ms)} ms after the fault, outside the documented ` +
            `${window.from_ms}..${window.to_ms} ms`,
        ],
  );
}

/** What the harness read from every host at the end. */
export interface FinalState {
  /** Per host: the address its agent names as primary (null: no answer). */
  readonly agents: Readonly<Record<string, string | null>>;
  /** Per host: whether its data-node process runs (and answered its own start-up). */
  readonly data_nodes: Readonly<Record<string, boolean>>;
  /** Per host: INFO replication of its Redis (null: no answer). */
  readonly redis: Readonly<Record<string, RedisFinal | null>>;
  /** Host name -> address. */
  readonly addresses: Readonly<Record<string, string>>;
  /** Lab hosts whose interface carries the VIP; null: the run has no VIP. */
  readonly vip_holders: readonly string[] | null;
}

export interface RedisFinal {
  readonly role: string;
  readonly fenced: boolean;
  readonly master_host: string | null;
  readonly link_up: boolean;
}

/** What keeps the cluster from having converged; empty when it has. */
export function convergenceProblems(state: FinalState): string[] {
  const problems: string[] = [];
  const named = new Set(Object.values(state.agents));
  if (named.size !== 1 || named.has(null)) {
    problems.push(`agents disagree or do not answer: ${JSON.stringify(state.agents)}`);
  }
  const primary_address = [...named][0] ?? null;
  const primary = Object.entries(state.addresses).find(([, address]) => address === primary_address)?.[0];
  for (const [host, running] of Object.entries(state.data_nodes)) {
    if (!running) problems.push(`${host}: data-node not running`);
  }
  for (const [host, redis] of Object.entries(state.redis)) {
    if (redis === null) problems.push(`${host}: redis does not answer`);
    else if (host === primary) {
      if (redis.role !== "master" || redis.fenced)
        problems.push(`${host}: primary is ${redis.role}, fenced ${redis.fenced}`);
    } else if (redis.role !== "slave" || redis.master_host !== primary_address || !redis.link_up) {
      problems.push(
        `${host}: ${redis.role} of ${redis.master_host ?? "-"}, link ${redis.link_up ? "up" : "down"}`,
      );
    }
  }
  const holders = state.vip_holders;
  if (holders !== null && (holders.length !== 1 || primary === undefined || holders[0] !== primary)) {
    problems.push(
      `VIP held by ${holders.join(",") || "nobody"}, not by the primary's host ${primary ?? "-"} alone`,
    );
  }
  return problems;
}

/**
 * The VIP's holders over time, from the probes' `vip` lines up to `end_ms`. A host counts as
 * holding it from a sample that saw the address to the last consecutive one that did, not until
 * its next sample as a writable node does: two vip-managers act on the same committed record
 * within milliseconds, so a clean move would otherwise look like two holders for up to a sample
 * interval. So two holders reported are certain; an overlap shorter than a sample can be missed.
 */
export function vipTimeline(lines: readonly VipLine[], end_ms: number): NodeInterval[] {
  const kept = lines.filter((l) => l.t_ms <= end_ms);
  if (kept.length === 0) return [];
  const held = intervalsOn(kept, (l) => l.held, end_ms, undefined, "last_on");
  return timelineOf(held, Math.min(...kept.map((l) => l.t_ms)), end_ms);
}

/**
 * How long after the fault the VIP came to `primary`'s host to stay: the start of the last
 * stretch (it lasts until `end_ms`) in which that host holds it (`alone`: and no other host),
 * minus the fault's instant (0 when it stayed there throughout). Null when the run did not end so.
 */
export function vipOnAfter_ms(
  timeline: readonly NodeInterval[],
  primary: string,
  fault_ms: number,
  alone: boolean,
): number | null {
  const fits = (i: NodeInterval): boolean =>
    alone ? i.nodes.length === 1 && i.nodes[0] === primary : i.nodes.includes(primary);
  let from_ms: number | null = null;
  for (const interval of [...timeline].reverse()) {
    if (!fits(interval)) break;
    from_ms = interval.from_ms;
  }
  return from_ms === null ? null : Math.max(0, from_ms - fault_ms);
}

export interface VipVerdict {
  /** Intervals in which two or more hosts held the VIP at once. */
  readonly two_holders: readonly NodeInterval[];
  readonly two_holders_ms: number;
  /** When the final primary's host got the VIP to keep it, after the fault (null: not at the end). */
  readonly on_primary_after_ms: number | null;
  /** When it became the only holder, to stay (null: not at the end). */
  readonly alone_on_primary_after_ms: number | null;
  /** The holders by the last samples. */
  readonly holders_at_end: readonly string[];
}

export function vipVerdict(
  lines: readonly VipLine[],
  final_primary: string | null,
  fault_ms: number,
  end_ms: number,
): VipVerdict {
  const timeline = vipTimeline(lines, end_ms);
  const two = timeline.filter((i) => i.nodes.length >= 2);
  return {
    two_holders: two,
    two_holders_ms: two.reduce((sum, i) => sum + i.to_ms - i.from_ms, 0),
    on_primary_after_ms:
      final_primary === null ? null : vipOnAfter_ms(timeline, final_primary, fault_ms, false),
    alone_on_primary_after_ms:
      final_primary === null ? null : vipOnAfter_ms(timeline, final_primary, fault_ms, true),
    holders_at_end: timeline.at(-1)?.nodes ?? [],
  };
}

export interface Verdict {
  readonly losses: readonly WriterLoss[];
  readonly acks_after_promotion: number;
  readonly acks_after_promotion_by_writer: Readonly<Record<string, number>>;
  readonly double_writable: readonly NodeInterval[];
  readonly double_writable_ms: number;
  readonly single_writable_after_ms: number | null;
  readonly final_primary: string | null;
  readonly no_writable_ms: number;
  readonly convergence: readonly string[];
  /** Null: the run had no VIP. */
  readonly vip: VipVerdict | null;
}

export interface RunRecord {
  readonly samples: readonly SampleLine[];
  readonly acks: readonly AckLine[];
  readonly present: ReadonlySet<string>;
  readonly fault_ms: number;
  readonly end_ms: number;
  readonly final: FinalState;
  /** The probes' VIP samples; null: the run had no VIP. */
  readonly vip: readonly VipLine[] | null;
}

export function verdict(run: RunRecord): Verdict {
  const after = acksAfterPromotion(run.acks, run.samples);
  const by_writer: Record<string, number> = {};
  for (const ack of after) by_writer[ack.writer] = (by_writer[ack.writer] ?? 0) + 1;
  const doubles = doubleWritable(run.samples, run.end_ms);
  const single = singleWritableAfter_ms(run.samples, run.fault_ms, run.end_ms);
  return {
    losses: lostWrites(run.acks, run.present, run.fault_ms),
    acks_after_promotion: after.length,
    acks_after_promotion_by_writer: by_writer,
    double_writable: doubles,
    double_writable_ms: doubles.reduce((sum, i) => sum + i.to_ms - i.from_ms, 0),
    single_writable_after_ms: single?.after_ms ?? null,
    final_primary: single?.node ?? null,
    no_writable_ms: noWritable_ms(run.samples, run.fault_ms, run.end_ms),
    convergence: convergenceProblems(run.final),
    vip: run.vip === null ? null : vipVerdict(run.vip, single?.node ?? null, run.fault_ms, run.end_ms),
  };
}

/** The invariants a `safe` shape must hold; each entry is a violated one. */
export function safetyViolations(v: Verdict, bound_ms: number): string[] {
  return [...dataSafetyViolations(v, bound_ms), ...vipSafetyViolations(v)];
}

/** Never two hosts holding the VIP at once (nothing to hold without a VIP). */
export function vipSafetyViolations(v: Verdict): string[] {
  if (v.vip === null || v.vip.two_holders.length === 0) return [];
  return [
    `${v.vip.two_holders.length} intervals (${Math.round(v.vip.two_holders_ms)} ms) with two hosts holding the VIP`,
  ];
}

/** The invariants of `safe` but the VIP's single holder: the writes, the primary, convergence. */
export function dataSafetyViolations(v: Verdict, bound_ms: number): string[] {
  const out: string[] = [];
  if (v.acks_after_promotion > 0)
    out.push(`${v.acks_after_promotion} writes acknowledged by an old primary after a promotion`);
  if (v.double_writable.length > 0)
    out.push(
      `${v.double_writable.length} intervals (${Math.round(v.double_writable_ms)} ms) with two writable nodes`,
    );
  if (v.single_writable_after_ms === null) out.push("no single writable primary at the end");
  else if (v.single_writable_after_ms > bound_ms)
    out.push(
      `single writable primary only ${Math.round(v.single_writable_after_ms)} ms after the fault (bound ${bound_ms})`,
    );
  out.push(...liveViolations(v));
  return out;
}

/** What every shape must hold, known-unsafe ones included: convergence and a writable primary. */
export function liveViolations(v: Verdict): string[] {
  const out: string[] = [];
  if (v.final_primary === null) out.push("no single writable primary at the end");
  else if (v.vip !== null && v.vip.alone_on_primary_after_ms === null)
    out.push(
      `the VIP is not on the final primary's host ${v.final_primary} alone at the end ` +
        `(held by ${v.vip.holders_at_end.join(",") || "nobody"})`,
    );
  out.push(...v.convergence.map((p) => `not converged: ${p}`));
  return out;
}
