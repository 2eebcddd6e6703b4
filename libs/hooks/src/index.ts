export type { ClientReconfigCall, PrePromoteCall, ReconfigRole } from "./argv.js";
export { clientReconfigArgv, notificationArgv, prePromoteArgv } from "./argv.js";
export type { RunOnceOptions, RunOnceResult } from "./once.js";
export { SCRIPT_OUTPUT_MAX_BYTES, runScriptOnce } from "./once.js";
export type { HookLimits } from "./limits.js";
export { SCRIPT_ARGS_MAX, SENTINEL_HOOK_LIMITS, hookLimits, scriptRetryDelayMs } from "./limits.js";
export type { PendingScript, PendingScriptField, ScriptCounters } from "./pending.js";
export { pendingScriptFields, pendingScripts, scriptCounters } from "./pending.js";
export type { HookRunnerOptions } from "./runner.js";
export { DEFAULT_SCRIPT_ENV, HookRunner } from "./runner.js";
export type {
  ScriptEvent,
  ScriptEventType,
  ScriptJob,
  ScriptOutcome,
  SchedulerEffect,
  SchedulerInput,
  SchedulerState,
  StepResult,
} from "./scheduler.js";
export { initialSchedulerState, nextWakeMs, runningCount, step } from "./scheduler.js";
