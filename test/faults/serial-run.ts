// The bounded subset of the fault suite in `npm test`: one run of one key shape per
// `*.serial.test.ts` file (run-tests.mjs gives each file 180 s; one run on a real namespace
// cluster takes about a minute on a quiet 2-core machine, more under load). The run is judged by
// its shape's expectation (shapes.ts): "safe" shapes must hold every invariant, "known-..." ones
// what the expectation names, and print their violation figures. The whole matrix:
// `npm run faults -- --runs N`.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_SETTINGS, runShape, teardownLive } from "./harness.js";
import { judge, runLine } from "./report.js";
import { shapeNamed } from "./shapes.js";

/**
 * Below run-tests.mjs's 180 s per file: a run still going then is torn down by us (processes by
 * PID, then namespaces) instead of being killed with its namespaces left behind.
 */
const RUN_DEADLINE_MS = 165_000;

export function testShape(name: string, subnet: string): void {
  const shape = shapeNamed(name);
  void it(`${name} (${shape.expect})`, async (t) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void teardownLive().finally(() => {
          reject(new Error(`${name}: no verdict within ${RUN_DEADLINE_MS} ms (torn down)`));
        });
      }, RUN_DEADLINE_MS);
    });
    try {
      const result = await Promise.race([runShape(shape, subnet, DEFAULT_SETTINGS), deadline]);
      const violations = judge(shape, result.verdict, DEFAULT_SETTINGS);
      t.diagnostic(runLine(shape, result, violations));
      if (shape.issue !== null) t.diagnostic(`${shape.expect}: ${shape.issue}`);
      assert.deepEqual(violations, []);
    } finally {
      clearTimeout(timer);
    }
  });
}
