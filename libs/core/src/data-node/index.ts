// The data-node's safety rules, pure (time passed in): the epoch check, the fence marker, the
// self-fence rules, the write lease (docs/adr/0001-write-lease.md), and its restart rules (when to
// restart a crashed server, how to bring it back, what a shutdown must do first). The data-node
// service carries them out; the simulator (libs/testkit sim) drives the same functions.
export { checkEpoch, followsCommitted } from "./epoch.js";
export type { AcceptedEpoch, CommittedView, EpochDecision } from "./epoch.js";
export { FENCE_MARKER, isFenced, minReplicasFromConfig } from "./fence.js";
export {
  committedEpochFence,
  decideSelfFence,
  hangFence,
  leaseFence,
  leaseFenceHung,
  unfenceWaitsForLease,
  writableMaster,
} from "./self-fence.js";
export type {
  CommittedEpochInputs,
  CommittedTopology,
  FenceReason,
  HangInputs,
  LeaseInputs,
  SelfFenceDecision,
  SelfFenceInputs,
  ServerView,
} from "./self-fence.js";
export {
  grantReceived,
  LEASE_REQUEST_INTERVAL_MIN_MS,
  LEASE_REQUESTS_KEPT,
  leaseLiftAllowed,
  leaseRequestIntervalMs,
  leaseRequestRearmMs,
  leaseUntilMs,
  leaseValid,
  newWriteLease,
  promoteLeaseReset,
  promoteLeaseWaitMs,
  PROMOTE_LEASE_WAIT_MAX_MS,
  requestSent,
} from "./write-lease.js";
export type { GrantSeen, LeaseRequestTick, WriteLease } from "./write-lease.js";
export {
  adoptedWatchdogReplaceable,
  encodeWatchdogLine,
  parseUptimeMs,
  wireLine,
  stepWatchdog,
  WATCHDOG_FENCE_LEAD_MAX_MS,
  WATCHDOG_STARTED,
  watchdogFenceLeadMs,
  watchdogLine,
} from "./watchdog.js";
export type {
  WatchdogAction,
  WatchdogInput,
  WatchdogLine,
  WatchdogWireLine,
  WatchdogLineInputs,
  WatchdogState,
  WatchdogStep,
} from "./watchdog.js";
export { directLeaseWanted } from "./lease-channel.js";
export type { DirectLeaseInputs } from "./lease-channel.js";
export { assertPolicy, initialRestartState, stepRestart } from "./restart-policy.js";
export type {
  RestartEffect,
  RestartInput,
  RestartPolicy,
  RestartState,
  RestartStep,
} from "./restart-policy.js";
export { dataCheck, planRestart, restartFollows } from "./restart-plan.js";
export type { DataCheck, DataCheckInput, RestartPlan, RestartPlanInput } from "./restart-plan.js";
export { shutdownPlan, switchoverDone } from "./shutdown-plan.js";
export type { ShutdownPlan, ShutdownPlanInput } from "./shutdown-plan.js";
