export type { VipDecision, VipProbeResult, VipStateInput, VipStateReason } from "@sentinel-plane/core/vip";
export { desiredVipState } from "@sentinel-plane/core/vip";
export type { ArpingExit, ReconcileAction, VipControllerOptions } from "./vip-controller.js";
export { VipController } from "./vip-controller.js";
export type { HooksConfig, VipManagerConfig, VipManagerConfigInput } from "./config.js";
export {
  DEFAULTS as VIP_MANAGER_DEFAULTS,
  VipManagerConfigSchema,
  loadConfig,
  resolveConfig,
} from "./config.js";
export type { HostAddress } from "@sentinel-plane/core/vip";
export { hostHasEndpoint } from "@sentinel-plane/core/vip";
// The loop and its ports live in libs/vip-shell (the simulator runs them too); named here as before.
export type {
  Endpoint,
  FollowResult,
  HookPort,
  MasterView,
  Observation,
  ObservedRecord,
  TopologyPort,
  TopologyRead,
  VipCommandFailure,
  VipConfig,
  VipErrorCode,
  VipManagerOptions,
  VipManagerSettings,
  VipPort,
  VipProbe,
} from "@sentinel-plane/vip-shell";
export {
  assertVipConfig,
  observeRecord,
  parseHostAddress,
  sameEndpoint,
  VipError,
  VipManager,
} from "@sentinel-plane/vip-shell";
export { KvTopologySource, toTopologyRead } from "./topology-source.js";
