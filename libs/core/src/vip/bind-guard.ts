// Whether to bind a VIP that desiredVipState says this host should hold but the host does not
// have yet. The host that held it before may still have it: a SIGKILLed vip-manager removes
// nothing, and its address lives on until its kernel lifetime (ceil(lease) s, renewed by every
// reconcile) runs out. So a duplicate address detection probe (ARP, RFC 5227) comes first, and
// the VIP is bound only when nobody answers for it: never two holders on the segment at once.
//
// While it waits it probes again soon, then less often: in an ordinary failover the old holder's
// vip-manager is alive and removes the address as this host probes, and a probe that loses that
// race should cost tens of milliseconds, not a reconcile interval. The retries back off to the
// reconcile interval for a holder that stays (a SIGKILLed manager's address, for seconds).
//
// The wait is bounded in what it reports, not in what it allows: once the old holder's address
// has surely gone (oldHolderGoneWithin_ms), a host that still answers is no vip-manager of ours
// (a static address, a misconfigured host), and binding as well would split the clients between
// two MACs. The guard then reports the conflict once (an error with a stable code, an event) and
// keeps refusing, probing on every reconcile, until the address is free.

/** What one duplicate address detection probe found. */
export type VipProbeResult =
  /** Every probe went out and nobody answered: the address is free. */
  | "silent"
  /** Some host answered for the VIP. */
  | "answered"
  /** No probe went out (or it could not run to the end): nothing is known, so nothing is bound. */
  | "inconclusive";

export interface BindGuardState {
  /** Start of the first probe that kept this host from binding; null: not waiting. */
  readonly waiting_since_ms: number | null;
  /** The conflict of this wait was reported (once per wait). */
  readonly conflict_reported: boolean;
  /** Probes of this wait that did not allow a bind. */
  readonly waits: number;
}

export const BIND_GUARD_INITIAL: BindGuardState = {
  waiting_since_ms: null,
  conflict_reported: false,
  waits: 0,
};

export interface BindGuardSettings {
  /** After this long without a silent probe the wait is a conflict (oldHolderGoneWithin_ms). */
  readonly wait_max_ms: number;
  /** The first retry of a wait comes this soon; each next one twice as late, up to retry_max_ms. */
  readonly retry_min_ms: number;
  /** The reconcile interval: no retry later than the next reconcile would probe anyway. */
  readonly retry_max_ms: number;
}

export type BindGuardInput =
  /** The address is on this host already: nothing to guard. */
  | { readonly kind: "bound_here" }
  /** The host should not hold the VIP (any more): a wait in progress ends. */
  | { readonly kind: "released" }
  /** A probe ran from started_ms to now_ms (the same monotonic clock). */
  | {
      readonly kind: "probed";
      readonly result: VipProbeResult;
      readonly started_ms: number;
      readonly now_ms: number;
    };

export type BindGuardEffect =
  | { readonly kind: "bind" }
  /** Do not bind now; probe again after retry_after_ms (or on a reconcile before that). */
  | {
      readonly kind: "wait";
      readonly result: Exclude<VipProbeResult, "silent">;
      readonly waited_ms: number;
      readonly retry_after_ms: number;
    }
  /** Past wait_max_ms and still not free: report once (error, event); still no bind. */
  | {
      readonly kind: "report_conflict";
      readonly result: Exclude<VipProbeResult, "silent">;
      readonly waited_ms: number;
    };

export interface BindGuardStep {
  readonly state: BindGuardState;
  readonly effects: readonly BindGuardEffect[];
}

export function bindGuardStep(
  state: BindGuardState,
  input: BindGuardInput,
  settings: BindGuardSettings,
): BindGuardStep {
  if (!(
    settings.wait_max_ms > 0 &&
    settings.retry_min_ms > 0 &&
    settings.retry_max_ms >= settings.retry_min_ms
  )) {
    throw new Error("wait_max_ms and retry_min_ms must be positive, retry_max_ms >= retry_min_ms");
  }
  switch (input.kind) {
    case "bound_here":
    case "released":
      return { state: BIND_GUARD_INITIAL, effects: [] };
    case "probed":
      return probed(state, input, settings);
  }
}

function probed(
  state: BindGuardState,
  input: Extract<BindGuardInput, { kind: "probed" }>,
  settings: BindGuardSettings,
): BindGuardStep {
  // A probe that ends before it starts, or a wait that starts after the probe: mixed clocks.
  if (input.now_ms < input.started_ms) throw new Error("a probe ended before it started");
  if (state.waiting_since_ms !== null && state.waiting_since_ms > input.started_ms) {
    throw new Error("waiting_since_ms is later than the probe");
  }
  if (input.result === "silent") return { state: BIND_GUARD_INITIAL, effects: [{ kind: "bind" }] };
  const waiting_since_ms = state.waiting_since_ms ?? input.started_ms;
  const waited_ms = input.now_ms - waiting_since_ms;
  const waits = state.waits + 1;
  // Bounded exponent: past 2^20 x retry_min_ms the cap applies anyway.
  const retry_after_ms = Math.min(
    settings.retry_max_ms,
    settings.retry_min_ms * 2 ** Math.min(waits - 1, 20),
  );
  const wait: BindGuardEffect = { kind: "wait", result: input.result, waited_ms, retry_after_ms };
  if (waited_ms <= settings.wait_max_ms || state.conflict_reported) {
    return {
      state: { waiting_since_ms, conflict_reported: state.conflict_reported, waits },
      effects: [wait],
    };
  }
  return {
    state: { waiting_since_ms, conflict_reported: true, waits },
    effects: [{ kind: "report_conflict", result: input.result, waited_ms }, wait],
  };
}

/** The kernel checks address lifetimes on a timer rounded up to whole seconds. */
export const KERNEL_LIFETIME_CHECK_MS = 1000;

export interface OldHolderTimings {
  /** Without a read of the committed topology for this long a vip-manager releases its VIPs. */
  readonly lease_ms: number;
  /** Its reconcile tick: the fail-closed release happens on a tick. */
  readonly reconcile_interval_ms: number;
  /** valid_lft of the address it binds (whole seconds), renewed on every reconcile. */
  readonly lifetime_s: number;
}

/**
 * From the moment this host sees the commit that makes it the holder, the longest the old
 * holder's address can live on: the old holder's last read predates that commit (else it would
 * have released), so it renews for at most lease_ms plus one reconcile tick, and the kernel
 * removes the address lifetime_s after its last renewal, on its next lifetime check.
 */
export function oldHolderGoneWithin_ms(timings: OldHolderTimings): number {
  if (!(timings.lease_ms > 0 && timings.reconcile_interval_ms > 0 && timings.lifetime_s > 0)) {
    throw new Error("lease_ms, reconcile_interval_ms and lifetime_s must be positive");
  }
  return (
    timings.lease_ms + timings.reconcile_interval_ms + timings.lifetime_s * 1000 + KERNEL_LIFETIME_CHECK_MS
  );
}
