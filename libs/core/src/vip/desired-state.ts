// Whether this host should hold the VIP: a pure decision, so the loop can re-evaluate it on
// every tick and every topology change. It fails closed: without a fresh view of the control
// plane the host cannot know it is still the primary's host, so it lets the VIP go.
import { hostHasEndpoint } from "./host-address.js";
import type { HostAddress } from "./host-address.js";

export interface VipStateInput {
  /** The committed primary of the VIP's master; null when none is known yet. */
  readonly committed_primary: { readonly host: string; readonly port: number } | null;
  /**
   * Redis endpoints of this host as the data plane advertises them, never the VIP itself: a port
   * (that endpoint) or none (any port), see host-address.ts.
   */
  readonly this_host_addresses: readonly HostAddress[];
  /** Monotonic time of the last contact with the control plane; null: never. */
  readonly control_plane_last_contact_ms: number | null;
  /** Same monotonic clock as the last contact. */
  readonly now_ms: number;
  readonly lease_ms: number;
}

export type VipStateReason =
  | "primary_on_this_host"
  | "primary_elsewhere"
  | "no_committed_primary"
  | "control_plane_never_seen"
  | "control_plane_lease_expired";

export interface VipDecision {
  readonly state: "hold" | "release";
  readonly reason: VipStateReason;
}

export function desiredVipState(input: VipStateInput): VipDecision {
  if (!(input.lease_ms > 0)) throw new Error("lease_ms must be positive");
  if (input.control_plane_last_contact_ms === null) {
    return { state: "release", reason: "control_plane_never_seen" };
  }
  const silent_ms = input.now_ms - input.control_plane_last_contact_ms;
  // A contact in the future means two clocks were mixed: a programmer error.
  if (silent_ms < 0) throw new Error("control_plane_last_contact_ms is later than now_ms");
  if (silent_ms > input.lease_ms) return { state: "release", reason: "control_plane_lease_expired" };
  if (input.committed_primary === null) return { state: "release", reason: "no_committed_primary" };
  if (hostHasEndpoint(input.this_host_addresses, input.committed_primary)) {
    return { state: "hold", reason: "primary_on_this_host" };
  }
  return { state: "release", reason: "primary_elsewhere" };
}
