// Public surface of the pure core.
export type * from "./types.js";
export { parseInfo, infoFields, parseReplicaEntry } from "./redis-info.js";
export type { InfoParseResult } from "./redis-info.js";
export { initAgent, step, masterView } from "./agent.js";
export type { AgentConfig, AgentState, MasterView, Random, StepOutput } from "./agent.js";
