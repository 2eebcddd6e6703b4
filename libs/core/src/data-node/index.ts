// The data-node's safety rules, pure (time passed in): the epoch check, the fence marker, the
// self-fence rules and the write lease (docs/adr/0001-write-lease.md). The data-node service
// carries them out; the simulator (libs/testkit sim) drives the same functions.
export { checkEpoch } from "./epoch.js";
export type { AcceptedEpoch, EpochDecision } from "./epoch.js";
export { FENCE_MARKER, isFenced, minReplicasFromConfig } from "./fence.js";
export {
  committedEpochFence,
  decideSelfFence,
  hangFence,
  leaseFence,
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
  LEASE_REQUESTS_KEPT,
  leaseLiftAllowed,
  leaseUntilMs,
  leaseValid,
  newWriteLease,
  promoteLeaseReset,
  requestSent,
} from "./write-lease.js";
export type { GrantSeen, WriteLease } from "./write-lease.js";
