// Promotion limits (issue 18 item 3; Patroni's `maximum_lag_on_failover`): a replica further
// behind the old primary's last known offset than `max-promotion-lag-bytes` or
// `max-promotion-lag-ms` is not promoted by a failover; when no replica is within them the failover
// aborts (`-failover-abort-lagging-slaves`) rather than promote stale data. 0 turns a limit off
// (the default: Sentinel promotes whatever replica is best, and a drop-in replacement must too).
// A forced manual failover (REST `force`, CLI `--force`, `SENTINEL FAILOVER <name> FORCE`) ignores
// them and says so (`+promotion-lag-forced`).
//
// The old primary's last known offset (the reference), best source first:
// - the offset its data-node reported with an acknowledged fence (final: writes are refused);
// - the master_repl_offset of its latest INFO (probe or data-node report, which a fenced primary
//   keeps sending: so "the last offset it reported while fenced" is this sample);
// - at least the highest offset any replica of the same history reports (when the primary's INFO
//   was never seen, e.g. an agent started during the outage).
// The lag in milliseconds is read from a bounded history of the primary's (time, offset)
// samples: a replica at offset o had everything the primary had at the newest sample whose offset
// is <= o, so its data is at most (reference time - that sample's time) old. Beyond the history
// the lag is unknown and counts as over the limit. Its granularity is the sampling: the data-node
// reports every second; without a data-node, INFO comes every info-period (1 s while the primary
// is down or a failover runs, 10 s otherwise).
import { addressKey, sameAddress } from "./state.js";
import type { FailoverRun, InstanceLink, MasterState, PrimaryOffsets } from "./state.js";
import type { Address, MasterSettings, RedisInfo } from "./types.js";

/** Samples kept per primary: at one per OFFSET_SAMPLE_SPACING_MS, at least 32 s of history. */
export const OFFSET_SAMPLES_MAX = 128;
/** Samples closer together than this replace the newest one (probes and reports both feed it). */
export const OFFSET_SAMPLE_SPACING_MS = 250;
/** Upper bound of either limit (the configuration and SENTINEL SET refuse larger values). */
export const PROMOTION_LAG_MAX = 2 ** 50;

export interface PromotionLimits {
  /** 0: off. A replica more than this many bytes of replication stream behind is not promoted. */
  readonly bytes: number;
  /** 0: off. A replica whose data may be older than this (see above) is not promoted. */
  readonly ms: number;
}

export function promotionLimits(settings: MasterSettings): PromotionLimits {
  return { bytes: settings.max_promotion_lag_bytes ?? 0, ms: settings.max_promotion_lag_ms ?? 0 };
}

export function limitsOn(limits: PromotionLimits): boolean {
  return limits.bytes > 0 || limits.ms > 0;
}

/**
 * Records the primary's offset from its INFO (role master). A new address or replication id
 * starts a new history: offsets of another history cannot be compared.
 */
export function recordPrimaryOffset(
  master: MasterState,
  address: Address,
  info: RedisInfo,
  now_ms: number,
): void {
  if (info.role !== "master") return;
  const current = master.primary_offsets;
  const fresh = current === null || !sameAddress(current.address, address) || current.replid !== info.replid;
  if (fresh) {
    master.primary_offsets = {
      address,
      replid: info.replid,
      samples: [{ ms: now_ms, offset: info.master_repl_offset }],
    };
    return;
  }
  appendSample(current, now_ms, info.master_repl_offset);
}

function appendSample(history: PrimaryOffsets, ms: number, offset: number): void {
  const samples = history.samples;
  const last = samples[samples.length - 1];
  if (last !== undefined && offset < last.offset) {
    samples.length = 0; // went back without a new replid: not one history any more
  } else if (last !== undefined && ms - last.ms < OFFSET_SAMPLE_SPACING_MS && samples.length > 1) {
    samples.pop(); // keep the newest; the one before it keeps the spacing
  }
  samples.push({ ms, offset });
  if (samples.length > OFFSET_SAMPLES_MAX) samples.shift();
}

/** The old primary's last known offset and when it was known (ms null: no time reference). */
export interface Reference {
  readonly offset: number;
  readonly ms: number | null;
  readonly replid: string | null;
  /** "fence": from an acknowledged fence (final); "info": the primary's INFO; "replicas": a floor. */
  readonly source: "fence" | "info" | "replicas";
}

/** The reference for a failover of `run` (null run: the current primary, e.g. admin checks). */
export function referenceOf(master: MasterState, run: FailoverRun | null): Reference | null {
  const old = run?.old_primary ?? master.address;
  const history = master.primary_offsets;
  const samples = history !== null && sameAddress(history.address, old) ? history : null;
  const last = samples?.samples[samples.samples.length - 1] ?? null;
  const replid = samples?.replid ?? null;
  // Set only once the old primary is fenced (switchover.ts): its final offset.
  const fence_offset = run?.fence?.offset ?? null;
  let best: Reference | null = null;
  if (last !== null) best = { offset: last.offset, ms: last.ms, replid, source: "info" };
  if (fence_offset !== null && (best === null || fence_offset >= best.offset)) {
    best = { offset: fence_offset, ms: best?.ms ?? null, replid, source: "fence" };
  }
  for (const link of master.replicas.values()) {
    if (sameAddress(link.address, old)) continue;
    const offset = replicaOffset(link);
    if (offset === null || !sameHistory(link, replid)) continue;
    if (best === null || offset > best.offset)
      best = { offset, ms: best?.ms ?? null, replid, source: best?.source ?? "replicas" };
  }
  return best;
}

function replicaOffset(link: InstanceLink): number | null {
  const info = link.info;
  if (info === null) return null;
  return info.role === "master" ? info.master_repl_offset : (info.slave_repl_offset ?? null);
}

/** A replica's offset counts only in the primary's history (same replid, or one it came from). */
function sameHistory(link: InstanceLink, replid: string | null): boolean {
  const info = link.info;
  if (info === null || replid === null || replid === "" || info.replid === "") return true;
  return info.replid === replid || info.replid2 === replid;
}

export interface Lag {
  readonly bytes: number;
  /** null: unknown (older than the sampled history, or no sample at all). */
  readonly ms: number | null;
}

/** How far `link` is behind `reference` (null: its offset is unknown or of another history). */
export function lagOf(master: MasterState, reference: Reference, link: InstanceLink): Lag | null {
  const offset = replicaOffset(link);
  if (offset === null || !sameHistory(link, reference.replid)) return null;
  const bytes = Math.max(0, reference.offset - offset);
  if (bytes === 0) return { bytes, ms: 0 };
  const history = master.primary_offsets;
  if (reference.ms === null || history === null || history.replid !== reference.replid)
    return { bytes, ms: null };
  let complete_at: number | null = null;
  for (const sample of history.samples) if (sample.offset <= offset) complete_at = sample.ms;
  return { bytes, ms: complete_at === null ? null : Math.max(0, reference.ms - complete_at) };
}

/** Within both limits (an unknown lag is over any limit that is on). */
export function withinLimits(limits: PromotionLimits, lag: Lag | null): boolean {
  if (!limitsOn(limits)) return true;
  if (lag === null) return false;
  if (limits.bytes > 0 && lag.bytes > limits.bytes) return false;
  if (limits.ms > 0 && (lag.ms === null || lag.ms > limits.ms)) return false;
  return true;
}

/**
 * Whether the limits hold a failover of `run` back: on, not forced, not a switchover, and something
 * moves (a reassert re-commits the current primary).
 */
export function limitsApply(master: MasterState, run: FailoverRun | null): boolean {
  if (
    run !== null &&
    (run.force || run.kind === "reassert" || run.kind === "adopt" || isSwitchover(master, run))
  )
    return false;
  return limitsOn(promotionLimits(master.settings));
}

/**
 * A switchover (switchover.ts wantsFence: manual, primary reachable) fences the old primary and
 * waits for the replica to reach its final offset: a lag now is not a loss, so no limit applies.
 */
function isSwitchover(master: MasterState, run: FailoverRun): boolean {
  const reachable = !master.link.sdown && !master.link.exited;
  return run.kind === "manual" && sameAddress(master.address, run.old_primary) && reachable;
}

/** Whether `link` may be promoted by `run` as far as the limits go. */
export function admitsPromotion(master: MasterState, run: FailoverRun | null, link: InstanceLink): boolean {
  return !limitsApply(master, run) || !exceedsLimits(master, run, link);
}

/** Whether `link` is beyond the limits (on), whether or not the run is forced. */
export function exceedsLimits(master: MasterState, run: FailoverRun | null, link: InstanceLink): boolean {
  const limits = promotionLimits(master.settings);
  if (!limitsOn(limits)) return false;
  const reference = referenceOf(master, run);
  // No offset known anywhere: nothing to be behind of (the limits only guard against a known gap).
  if (reference === null) return false;
  return !withinLimits(limits, lagOf(master, reference, link));
}

/** The lag of `address` for event payloads: `#lag-bytes N #lag-ms M|unknown`. */
export function lagArgs(master: MasterState, run: FailoverRun | null, address: Address): [string, string] {
  const link = sameAddress(master.link.address, address)
    ? master.link
    : (master.replicas.get(addressKey(address)) ?? null);
  const reference = referenceOf(master, run);
  const lag = link === null || reference === null ? null : lagOf(master, reference, link);
  return [
    lag === null ? "unknown" : String(lag.bytes),
    lag?.ms === null || lag === null ? "unknown" : String(lag.ms),
  ];
}
