// Public surface of the testkit: the real-process harness (and the simulator, when present).
export * from "./process/index.js";
export * from "./sim/index.js";
export * from "./cluster/index.js";
