// The links to the peers' Sentinel ports, as Sentinel keeps one to every other Sentinel: logged in
// with sentinel-user/sentinel-pass (requirepass when no sentinel-pass is set, as sentinel.c's
// sentinelSendAuthIfNeeded), a PING every second. Agents vote and gossip over NATS, not over these
// links, so nothing here feeds the core: the links tell SENTINEL CKQUORUM and SENTINEL SENTINELS
// whether each peer's port answers this agent, which is what operators read CKQUORUM for (a client
// or a tool that cannot log in to a peer's port cannot use that peer either).
import { addressKey } from "@sentinel-plane/core";
import type { Address, ProbeResult } from "@sentinel-plane/core";
import type { Prober } from "@sentinel-plane/agent-shell";

/** One peer port's link, in Sentinel's terms (instanceLink). */
export interface PeerPortRecord {
  /** The last PING sent, answered or not. */
  readonly last_ping_sent_ms: number | null;
  /** The last valid reply (PONG, LOADING, MASTERDOWN: sentinel.c's "available" replies). */
  readonly last_ok_ms: number | null;
  /** The last reply of any kind, an error included. */
  readonly last_reply_ms: number | null;
  /**
   * The first PING not validly answered since the last valid reply (Sentinel's act_ping_time);
   * null while the peer answers. A peer is down once this is older than down-after.
   */
  readonly unanswered_since_ms: number | null;
}

export interface PeerPortWatchOptions {
  readonly prober: Prober;
  readonly now_ms: () => number;
  /** The peers' announced Sentinel ports, read at each round (the loop's state). */
  readonly targets: () => readonly Address[];
  /** Sentinel pings other Sentinels once a second. */
  readonly ping_period_ms: number;
  readonly ping_timeout_ms: number;
  /** Bound on the peers watched (one link each). */
  readonly peers_max: number;
  /** Closes the links to addresses no longer watched (the prober's own retain). */
  readonly retain: (targets: readonly Address[]) => void;
  readonly close: () => void;
}

interface Entry {
  record: PeerPortRecord;
  in_flight: boolean;
}

export class PeerPortWatch {
  readonly #entries = new Map<string, Entry>();
  readonly #options: PeerPortWatchOptions;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: PeerPortWatchOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== null) throw new Error("PeerPortWatch started twice");
    this.#timer = setInterval(() => {
      void this.round(); // never rejects: probe() does not
    }, this.#options.ping_period_ms);
  }

  /**
   * One PING to every peer that has none in flight; forgets peers no longer known. Resolves when
   * this round's PINGs have their outcome (tests wait for it; the timer does not).
   */
  async round(): Promise<void> {
    const targets = this.#options.targets().slice(0, this.#options.peers_max);
    const keep = new Set(targets.map(addressKey));
    for (const k of this.#entries.keys()) if (!keep.has(k)) this.#entries.delete(k);
    this.#options.retain(targets);
    await Promise.all(targets.map((target) => this.#ping(target)));
  }

  record(target: Address): PeerPortRecord | undefined {
    return this.#entries.get(addressKey(target))?.record;
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#entries.clear();
    this.#options.close();
  }

  async #ping(target: Address): Promise<void> {
    const k = addressKey(target);
    let entry = this.#entries.get(k);
    if (entry === undefined) {
      entry = { record: EMPTY, in_flight: false };
      this.#entries.set(k, entry);
    }
    if (entry.in_flight) return;
    const sent_ms = this.#options.now_ms();
    entry.in_flight = true;
    entry.record = {
      ...entry.record,
      last_ping_sent_ms: sent_ms,
      unanswered_since_ms: entry.record.unanswered_since_ms ?? sent_ms,
    };
    const current = entry;
    const result = await this.#options.prober.probe(target, "ping", this.#options.ping_timeout_ms);
    current.in_flight = false;
    // A peer forgotten meanwhile stays forgotten.
    if (this.#entries.get(k) !== current) return;
    current.record = afterReply(current.record, result, this.#options.now_ms());
  }
}

const EMPTY: PeerPortRecord = {
  last_ping_sent_ms: null,
  last_ok_ms: null,
  last_reply_ms: null,
  unanswered_since_ms: null,
};

/** The record after a PING's outcome: a valid reply clears the unanswered clock, nothing else does. */
export function afterReply(record: PeerPortRecord, result: ProbeResult, now_ms: number): PeerPortRecord {
  if (result.ok) return { ...record, last_ok_ms: now_ms, last_reply_ms: now_ms, unanswered_since_ms: null };
  // An error reply (NOAUTH, WRONGPASS...) is a reply, but not one that makes the peer available;
  // a timeout or a failed connection is none. A server's error starts with its upper-case code.
  const replied = /^[A-Z][A-Z_-]*[A-Z](?: |$)/.test(result.error);
  return replied ? { ...record, last_reply_ms: now_ms } : record;
}

/**
 * sentinel.c sentinelCheckSubjectivelyDown for a Sentinel instance: down when a PING has gone
 * without a valid reply for longer than the master's down-after-milliseconds. A peer never pinged
 * yet (just learned) is not down, as Sentinel's new instances start available.
 */
export function peerPortDown(
  record: PeerPortRecord | undefined,
  now_ms: number,
  down_after_ms: number,
): boolean {
  if (record === undefined || record.unanswered_since_ms === null) return false;
  return now_ms - record.unanswered_since_ms > down_after_ms;
}
