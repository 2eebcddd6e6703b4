export { formatSummary, latencyFigures, percentile, ratio, summarize } from "./stats.js";
export type { LatencyFigures, Summary } from "./stats.js";
export { machine, RESULTS_DIR, table, writeResults } from "./results.js";
export type { Machine, ResultFiles } from "./results.js";
