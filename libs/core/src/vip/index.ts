// The vip-manager's rule, pure: whether this host should hold the VIP (desired-state.ts), and the
// host endpoint syntax it matches against (host-address.ts). The vip-manager service carries the
// decision out; the simulator can drive the same function.
export { desiredVipState } from "./desired-state.js";
export type { VipDecision, VipStateInput, VipStateReason } from "./desired-state.js";
export { hostHasEndpoint } from "./host-address.js";
export type { HostAddress } from "./host-address.js";
