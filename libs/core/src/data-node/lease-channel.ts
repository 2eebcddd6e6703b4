// Failsafe, data-node side, pure: when a data-node also asks the agents for its write lease
// directly (their REST port), not only over the bus. Patroni's failsafe_mode is the anchor: a
// primary that cannot reach the DCS keeps its role while it can confirm with the members, directly,
// that nobody else can be promoted. Here the confirmation is the write lease itself: the request is
// the bus's lease request, each agent answers it with the core's one grant rule (libs/core
// lease.ts onLeaseRequest, whichever way it came), and the data-node counts the grants as it counts
// those of the bus (write-lease.ts grantReceived). A grant is a promise in the same terms either
// way: the agent vouches that it names this node primary at its epoch and has voted for no newer
// failover, and it reports the grant's age in every vote reply it gives while the lease may hold,
// so a newer leader waits the lease out before promoting anyone (lease.ts armLeaseDeadline).
// Without a majority of grants by either way the lease runs out and the node fences as before.
//
// Direct requests go out while the bus is known to be down, or while the lease is running low: less
// than half of the usable lease left, the lease held (write-lease.ts leaseHeldMs, min of configured
// and granted) up to the point where the node fences itself (its end less the watchdog's fence
// lead). That is once two requests over the bus went unanswered by a majority, or none was ever
// held since the start or the last promotion: a bus that is up but not answering (a partition the
// client has not noticed yet) is bridged too, and a healthy bus costs no direct traffic.
// Measured against the configured lease, a grant under half of it (200 ms of a configured 500 ms)
// was always low: every request also went to the agents directly with a healthy bus (`npm run sim
// -- --seeds 2000`: 42542 direct requests before any fault, 16334 with this rule). Measured to the
// lease's end instead of the fence point, the third request (two unanswered) finds exactly half
// left, goes over the bus only, and the next direct one has a fence lead to come back: 525 lease
// self-fences of healthy primaries in the same run, 40 with this rule (7 with the old one, whose
// direct requests doubled every renewal's chances on a slow, lossy bus). Time is the data-node's
// monotonic clock.

import { leaseHeldMs } from "./write-lease.js";

export interface DirectLeaseInputs {
  /** Failsafe enabled (data-node `failsafe`, default on). */
  readonly failsafe: boolean;
  /** The bus connection is up, as the NATS client last reported. */
  readonly bus_connected: boolean;
  readonly now_ms: number;
  /** write-lease.ts leaseUntilMs: -Infinity when none is held. */
  readonly lease_until_ms: number;
  /** The data-node's configured lease_ms. */
  readonly configured_lease_ms: number;
  /** WriteLease.granted_lease_ms: the latest majority's smallest grant; null: none granted yet. */
  readonly granted_lease_ms: number | null;
  /** How long before the lease's end the node fences itself (self-fence.ts LeaseInputs). */
  readonly fence_lead_ms: number;
}

/** Whether this lease request should also go to the agents directly. */
export function directLeaseWanted(inputs: DirectLeaseInputs): boolean {
  if (!inputs.failsafe) return false;
  if (!inputs.bus_connected) return true;
  const held_ms = leaseHeldMs(inputs.configured_lease_ms, inputs.granted_lease_ms);
  const usable_left_ms = inputs.lease_until_ms - inputs.fence_lead_ms - inputs.now_ms;
  return usable_left_ms < (held_ms - inputs.fence_lead_ms) / 2;
}
