export { formatSummary, percentile, ratio, summarize } from "./stats.js";
export type { Summary } from "./stats.js";
export { machine, RESULTS_DIR, table, writeResults } from "./results.js";
export type { Machine, ResultFiles } from "./results.js";
