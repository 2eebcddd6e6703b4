// Public surface of the pure core.
export type * from "./types.js";
export { parseInfo, infoFields, parseReplicaEntry } from "./redis-info.js";
export type { InfoParseResult } from "./redis-info.js";
export { addressKey, sameAddress } from "./address.js";
export {
  initAgent,
  step,
  masterView,
  masterNames,
  replicaViews,
  agentViews,
  persistedState,
} from "./agent.js";
export type {
  AgentConfig,
  AgentState,
  AgentView,
  MasterView,
  Random,
  ReplicaView,
  StepOutput,
} from "./agent.js";
export { EVENTS, formatEventLine, formatPayload, formatSubject, makeEvent } from "./events.js";
export type { EventLevel, EventName, EventSpec, EventSubject } from "./events.js";
export {
  FAILOVER_ENDS,
  FAILOVER_OUTCOME_SUPERSEDED,
  FAILOVER_STATES,
  failoverEndOf,
  failoverOutcomeCompleted,
  failoverStateEntered,
  isFailoverEndEvent,
  isFailoverStateName,
} from "./failover-states.js";
export type {
  FailoverAbortEvent,
  FailoverEndEvent,
  FailoverEndSpec,
  FailoverRetry,
  FailoverStateSpec,
  SentinelFailoverState,
} from "./failover-states.js";
export { randomBetween } from "./random.js";
export { isAnswering, pingPeriodMs } from "./detection.js";
export { AGENT_TIMING_DEFAULT } from "./timing.js";
export { commandWanted } from "./commands.js";
export { EPOCH_STEP_MAX, epochJumpTooFar } from "./epoch-guard.js";
export { LEASE_CLOCK_RATE_MARGIN, LEASE_MARGIN_MS, leaseGrantWindowMs, leaseMs } from "./lease.js";
export { validateMonitor } from "./admin.js";
export { globMatch } from "./glob.js";
export { PROMOTION_LAG_MAX } from "./promotion-limit.js";
export {
  assertMinReplicasConfig,
  heartbeatMsFor,
  minReplicasStep,
  newMinReplicasState,
} from "./min-replicas.js";
export type {
  MinReplicasConfig,
  MinReplicasEffect,
  MinReplicasInput,
  MinReplicasState,
} from "./min-replicas.js";
export {
  FAILOVER_BLOCK_PERIOD_MS_DEFAULT,
  FAILOVER_BLOCK_PERIOD_MS_MAX,
  PAUSE_DURATION_MS_MAX,
  PAUSE_DURATION_MS_MIN,
  applyOperatorChange,
  invalidPauseDuration,
  operatorView,
} from "./maintenance.js";
export type { OperatorView } from "./maintenance.js";
export { FORGET_AFTER_MS_DEFAULT, forgetAfterMs } from "./forget.js";
export {
  PRE_PROMOTE_MARGIN_MS,
  PRE_PROMOTE_TIMEOUT_MAX_MS,
  PRE_PROMOTE_TIMEOUT_MIN_MS,
} from "./pre-promote.js";
// The state's shape, for shells that present it (the Sentinel protocol's views): read-only use.
export type { MasterState, InstanceLink, PeerAgent, FailoverRun, FailoverStateName } from "./state.js";
