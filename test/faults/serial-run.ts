// The bounded subset of the fault suite in `npm test`: one run of one key shape per
// `*.serial.test.ts` file (run-tests.mjs gives each file 180 s, and one run on a real namespace
// cluster takes one to three minutes on a loaded 2-core machine). The run is judged by its
// shape's expectation (shapes.ts): "safe" shapes must hold every invariant, "known-..." ones what
// the expectation names, and print their violation figures. The whole matrix:
// `npm run faults -- --runs N`.
import assert from "node:assert/strict";
import { it } from "node:test";
import { DEFAULT_SETTINGS, runShape } from "./harness.js";
import { judge, runLine } from "./report.js";
import { shapeNamed } from "./shapes.js";

export function testShape(name: string, subnet: string): void {
  const shape = shapeNamed(name);
  void it(`${name} (${shape.expect})`, async (t) => {
    const result = await runShape(shape, subnet, DEFAULT_SETTINGS);
    const violations = judge(shape, result.verdict, DEFAULT_SETTINGS);
    t.diagnostic(runLine(shape, result, violations));
    if (shape.issue !== null) t.diagnostic(`${shape.expect}: ${shape.issue}`);
    assert.deepEqual(violations, []);
  });
}
