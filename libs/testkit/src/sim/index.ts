// The seeded simulator (VOPR style) and its scenario runner.
export { Prng } from "./prng.js";
export { EventQueue } from "./queue.js";
export { Checker, Violation } from "./checkers.js";
export { World, TICK_MS, HOOK_ODDS } from "./world.js";
export type { HookOdds, NetworkSettings, SimAgent, StepFn, WorldOptions } from "./world.js";
export { runSeed, buildWorld, heal, simTiming, HEAL_DEADLINE_MS } from "./run.js";
export type { RunOptions, RunResult } from "./run.js";
export type { History, SimNode } from "./redis-model.js";
export { Clients, CLIENT_FOLLOW_MAX_MS } from "./clients.js";
