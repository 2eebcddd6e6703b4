// The vip-manager's rule, pure: whether this host should hold the VIP (desired-state.ts), whether
// it may bind it yet, given what duplicate address detection found (bind-guard.ts), and the host
// endpoint syntax it matches against (host-address.ts). The vip-manager service carries the
// decision out; the simulator can drive the same function.
export { desiredVipState } from "./desired-state.js";
export type { VipDecision, VipStateInput, VipStateReason } from "./desired-state.js";
export { hostHasEndpoint } from "./host-address.js";
export type { HostAddress } from "./host-address.js";
export {
  BIND_GUARD_INITIAL,
  bindGuardStep,
  KERNEL_LIFETIME_CHECK_MS,
  oldHolderGoneWithin_ms,
} from "./bind-guard.js";
export type {
  BindGuardEffect,
  BindGuardInput,
  BindGuardSettings,
  BindGuardState,
  BindGuardStep,
  OldHolderTimings,
  VipProbeResult,
} from "./bind-guard.js";
