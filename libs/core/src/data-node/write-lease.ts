// The write lease, data-node side, pure (docs/adr/0001-write-lease.md). The data-node publishes a
// lease request every quarter of the lease it holds (leaseRequestIntervalMs, leaseRequestRearmMs),
// noting its send time on the monotonic clock; agents answer with grants. When grants with
// `granted: true` for one request come from a majority of max(agents_known) distinct agents, the lease runs until that request's send time + the smallest
// granted lease_ms. A lease is never shortened, only extended by a newer majority.
// A `promote` command gives no lease: the leader's command is one agent's word, and a newer leader
// elected meanwhile does not know of it (two concurrent failovers left two writable primaries,
// `npm run sim -- --seed 644 --verbose` before this rule). The promoted node drops the lease it
// held (promoteLeaseReset) and is writable only once a majority granted a lease vouching for its
// new epoch (libs/core lease.ts: the agents' promote-lease rule). A replica asks before REPLICAOF
// NO ONE and, granted within promoteLeaseWaitMs, is promoted writable in one transaction; else it
// is promoted fenced and lifts that fence when the grants come (one round trip of refused writes).
// Failsafe (lease-channel.ts): grants may also come straight from the agents over their REST port
// when the bus is unreachable. They are the same grants (the agent core's one rule, lease.ts), so
// they are counted here the same way, whichever way they came.
// The majority is taken over the most agents this process ever heard of (agents_floor: the
// configured direct agents, raised by every grant's agents_known), never over fewer: an agent that
// lost its peers (a fresh one that started without the bus, say) reports agents_known 1, and when
// it is the only one a cut-off data-node reaches, its one grant must not count as a majority.
// Times are performance.now() milliseconds passed in; node.ts carries the decisions out.

/** Requests whose grants are still counted: older ones are dropped (a bound, not a rule). */
export const LEASE_REQUESTS_KEPT = 16;

/** The shortest wait between two lease requests: a floor on the bus and agent load of one node. */
export const LEASE_REQUEST_INTERVAL_MIN_MS = 25;

/**
 * The lease actually held: the smaller of the configured lease_ms and the latest majority's granted
 * lease_ms (WriteLease.granted_lease_ms; null: none granted yet). Agents grant their master's lease
 * (libs/core lease.ts leaseMs, 0.4 x down_after_ms), which may be shorter than ours. The one
 * measure for the lease's pace (leaseRequestIntervalMs) and for "running low" (lease-channel.ts).
 */
export function leaseHeldMs(configured_lease_ms: number, granted_lease_ms: number | null): number {
  // Programmer errors: config validation and the grant's schema refuse these before they get here.
  if (!Number.isSafeInteger(configured_lease_ms) || configured_lease_ms < 1) {
    throw new Error(
      `leaseHeldMs: configured lease_ms must be a positive integer, got ${configured_lease_ms}`,
    );
  }
  if (granted_lease_ms !== null && (!Number.isSafeInteger(granted_lease_ms) || granted_lease_ms < 1)) {
    throw new Error(`leaseHeldMs: granted lease_ms must be a positive integer, got ${granted_lease_ms}`);
  }
  return Math.min(configured_lease_ms, granted_lease_ms ?? configured_lease_ms);
}

/**
 * How long to wait before the next lease request: a quarter of the lease actually held
 * (leaseHeldMs), so that three requests in a row may go unanswered before it runs out. Paced by
 * the configured lease alone, a primary granted 200 ms of a configured 500 ms asked every 125 ms
 * and self-fenced while healthy whenever a renewal's round trip overran the last 75 ms (`npm run
 * sim -- --seed 169 --verbose`: 81 lease self-fences before this rule). At least
 * LEASE_REQUEST_INTERVAL_MIN_MS.
 */
export function leaseRequestIntervalMs(configured_lease_ms: number, granted_lease_ms: number | null): number {
  const held_ms = leaseHeldMs(configured_lease_ms, granted_lease_ms);
  const interval_ms = Math.max(LEASE_REQUEST_INTERVAL_MIN_MS, Math.floor(held_ms / 4));
  // Postcondition: a quarter of the held lease at most, unless the floor binds.
  if (interval_ms !== LEASE_REQUEST_INTERVAL_MIN_MS && interval_ms * 4 > held_ms) {
    throw new Error(`leaseRequestIntervalMs: ${interval_ms} ms is more than a quarter of ${held_ms} ms`);
  }
  return interval_ms;
}

/** The lease tick as armed: when it last ran and the interval it waits (own clock). */
export interface LeaseRequestTick {
  readonly ticked_ms: number;
  readonly interval_ms: number;
}

/**
 * A grant changed the lease held: how long from `now_ms` until the next tick, now due a new
 * interval after the last one (0: at once), or null to keep the armed tick (the interval did not
 * shrink). Re-armed from now instead, the first tick after the start's grant came a whole interval
 * after that grant, late for the short lease the start's request got (`npm run sim -- --seed 42
 * --verbose`: a self-fence at 181 ms).
 */
export function leaseRequestRearmMs(
  tick: LeaseRequestTick,
  now_ms: number,
  interval_ms: number,
): number | null {
  if (interval_ms >= tick.interval_ms) return null;
  return Math.max(0, Math.ceil(tick.ticked_ms + interval_ms - now_ms));
}

export interface GrantSeen {
  readonly from: string;
  readonly seq: number;
  readonly granted: boolean;
  readonly config_epoch: number;
  /** The epoch the grant vouches for; absent (an older agent): config_epoch. */
  readonly epoch?: number;
  readonly lease_ms: number;
  readonly agents_known: number;
}

interface PendingRequest {
  readonly sent_ms: number;
  readonly grants: Map<string, GrantSeen>;
}

export interface WriteLease {
  /** Requests by seq, oldest first (Map insertion order). */
  readonly pending: Map<number, PendingRequest>;
  /** The lease runs until this time; null: none yet. */
  until_ms: number | null;
  /**
   * The smallest epoch vouched for (GrantSeen.epoch) among the grants of the majority that last
   * extended the lease; null: none since the start or the last promotion.
   */
  granted_epoch: number | null;
  /** The smallest lease_ms any agent granted lately (for logs and tests). */
  granted_lease_ms: number | null;
  /** The most agents heard of: the majority is never taken over fewer (header). */
  agents_floor: number;
}

/** `agents_floor`: how many agents the configuration names (0: none named). */
export function newWriteLease(agents_floor = 0): WriteLease {
  return { pending: new Map(), until_ms: null, granted_epoch: null, granted_lease_ms: null, agents_floor };
}

/** A request was sent at `sent_ms`. */
export function requestSent(lease: WriteLease, seq: number, sent_ms: number): void {
  lease.pending.set(seq, { sent_ms, grants: new Map() });
  while (lease.pending.size > LEASE_REQUESTS_KEPT) {
    const oldest = lease.pending.keys().next();
    if (oldest.done === true) break;
    lease.pending.delete(oldest.value);
  }
}

/** Counts a grant; returns true when it extended the lease. */
export function grantReceived(lease: WriteLease, grant: GrantSeen): boolean {
  const request = lease.pending.get(grant.seq);
  if (request === undefined) return false; // unknown or dropped request
  request.grants.set(grant.from, grant);
  const all = [...request.grants.values()];
  const known = Math.max(lease.agents_floor, grant.agents_known);
  lease.agents_floor = known;
  const granted = all.filter((g) => g.granted);
  if (granted.length === 0) return false;
  if (granted.length < Math.floor(known / 2) + 1) return false;
  const lease_ms = Math.min(...granted.map((g) => g.lease_ms));
  const until_ms = request.sent_ms + lease_ms;
  lease.granted_lease_ms = lease_ms;
  if (lease.until_ms !== null && until_ms <= lease.until_ms) return false;
  lease.until_ms = until_ms;
  lease.granted_epoch = Math.min(...granted.map((g) => g.epoch ?? g.config_epoch));
  return true;
}

/**
 * A promote command was accepted: the lease held so far (as an older primary) vouched for an older
 * epoch, and the requests in flight carry it too; all are dropped. The server stays fenced until a
 * majority vouches for the new epoch (leaseLiftAllowed).
 */
export function promoteLeaseReset(lease: WriteLease): void {
  lease.pending.clear();
  lease.until_ms = null;
  lease.granted_epoch = null;
}

/** The longest a promote waits for its lease before it falls back to a fenced promotion. */
export const PROMOTE_LEASE_WAIT_MAX_MS = 100;

/**
 * How long a promote waits for the lease of its epoch before REPLICAOF NO ONE (node.ts
 * promoteLeased): a quarter of the configured lease (one request interval), at most
 * PROMOTE_LEASE_WAIT_MAX_MS. Holding it by then, the server is promoted writable in one
 * transaction; else it is promoted fenced and the late grants lift the fence, so the wait only
 * bounds what a slow majority adds to the promotion. Not a safety rule: either way the server
 * takes writes only under a lease of the new epoch (leaseLiftAllowed).
 */
export function promoteLeaseWaitMs(configured_lease_ms: number): number {
  if (!Number.isSafeInteger(configured_lease_ms) || configured_lease_ms < 1) {
    throw new Error(
      `promoteLeaseWaitMs: configured lease_ms must be a positive integer, got ${configured_lease_ms}`,
    );
  }
  return Math.min(PROMOTE_LEASE_WAIT_MAX_MS, Math.floor(configured_lease_ms / 4));
}

/** When the lease runs out for the self-fence rules: none received since the start has run out. */
export function leaseUntilMs(lease: WriteLease): number {
  return lease.until_ms ?? Number.NEGATIVE_INFINITY;
}

/** The lease holds at `now_ms`. */
export function leaseValid(lease: WriteLease, now_ms: number): boolean {
  return lease.until_ms !== null && now_ms < lease.until_ms;
}

/**
 * A fence this node applied itself for reason `lease` may be lifted: a valid lease whose grants
 * all carry config_epoch >= the accepted epoch (a majority granting now means no failover that
 * could promote another node is under way). `fence_lead_ms` (self-fence.ts LeaseInputs): a lease
 * inside its last fence_lead_ms would be fenced again at once, so it lifts nothing.
 */
export function leaseLiftAllowed(
  lease: WriteLease,
  now_ms: number,
  accepted_epoch: number,
  fence_lead_ms = 0,
): boolean {
  return (
    leaseValid(lease, now_ms + fence_lead_ms) &&
    lease.granted_epoch !== null &&
    lease.granted_epoch >= accepted_epoch
  );
}
