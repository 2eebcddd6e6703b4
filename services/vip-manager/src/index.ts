export type { VipDecision, VipStateInput, VipStateReason } from "./desired_state.js";
export { desiredVipState } from "./desired_state.js";
export type { VipConfig } from "./vip_config.js";
export { assertVipConfig } from "./vip_config.js";
export type { ArpingExit, ReconcileAction, VipControllerOptions } from "./vip_controller.js";
export { VipController } from "./vip_controller.js";
export type { VipCommandFailure, VipErrorCode } from "./vip_error.js";
export { VipError } from "./vip_error.js";
