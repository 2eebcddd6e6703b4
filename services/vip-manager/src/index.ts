export type { VipDecision, VipProbeResult, VipStateInput, VipStateReason } from "@sentinel-plane/core/vip";
export { desiredVipState } from "@sentinel-plane/core/vip";
export type { VipConfig } from "./vip-config.js";
export { assertVipConfig } from "./vip-config.js";
export type { ArpingExit, ReconcileAction, VipControllerOptions, VipProbe } from "./vip-controller.js";
export { VipController } from "./vip-controller.js";
export type { VipCommandFailure, VipErrorCode } from "./vip-error.js";
export { VipError } from "./vip-error.js";
export type { HooksConfig, VipManagerConfig, VipManagerConfigInput } from "./config.js";
export {
  DEFAULTS as VIP_MANAGER_DEFAULTS,
  VipManagerConfigSchema,
  loadConfig,
  resolveConfig,
} from "./config.js";
export type { Endpoint, FollowResult, MasterView, Observation, ObservedRecord } from "./follower.js";
export { observeRecord, sameEndpoint } from "./follower.js";
export type { HostAddress } from "@sentinel-plane/core/vip";
export { hostHasEndpoint } from "@sentinel-plane/core/vip";
export { parseHostAddress } from "./host-address.js";
export type { VipManagerOptions, VipManagerSettings } from "./manager.js";
export { VipManager } from "./manager.js";
export type { HookPort, TopologyPort, TopologyRead, VipPort } from "./ports.js";
export { KvTopologySource, toTopologyRead } from "./topology-source.js";
