// Public surface of the CLI package, for tests and tools that drive a local cluster.
export { Layout, DEFAULT_DIR, AGENTS, REPLICAS } from "./state/layout.js";
export { loadClusterSettings, loadRunRecord } from "./state/cluster-state.js";
export type { ClusterSettings, ClusterPorts, RunRecord, RunProcess } from "./state/cluster-state.js";
export { EXIT } from "./errors.js";
export { isAlive, recordedLeftovers, startTicks } from "./up/leftovers.js";
