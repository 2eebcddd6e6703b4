// Public surface of the pure core.
export type * from "./types.js";
export { parseInfo, infoFields, parseReplicaEntry } from "./redis-info.js";
export type { InfoParseResult } from "./redis-info.js";
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
export { randomBetween } from "./random.js";
export { isAnswering, pingPeriodMs } from "./detection.js";
export { commandWanted } from "./commands.js";
export { EPOCH_STEP_MAX, epochJumpTooFar } from "./epoch-guard.js";
export { globMatch, validateMonitor } from "./admin.js";
export { FORGET_AFTER_MS_DEFAULT, forgetAfterMs } from "./forget.js";
export {
  PRE_PROMOTE_MARGIN_MS,
  PRE_PROMOTE_TIMEOUT_MAX_MS,
  PRE_PROMOTE_TIMEOUT_MIN_MS,
} from "./pre-promote.js";
// The state's shape, for shells that present it (the Sentinel protocol's views): read-only use.
export type { MasterState, InstanceLink, PeerAgent, FailoverRun } from "./state.js";
