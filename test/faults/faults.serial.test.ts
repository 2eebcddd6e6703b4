// A bounded subset of the fault suite in `npm test`: one run of a few key shapes on a real
// namespace cluster (about a minute each on a loaded 2-core machine). Each run is judged by its
// shape's expectation (shapes.ts): "safe" shapes must hold every invariant, "known-unsafe" ones
// must converge with a writable primary and print their violation figures. The whole matrix:
// `npm run faults -- --runs N`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, runShape } from "./harness.js";
import { judge, runLine } from "./report.js";
import { shapeNamed } from "./shapes.js";

const SUBNET = "10.87.0";
const SUBSET = ["kill-primary", "partition-host-cut", "partition-peers-cut"] as const;

void describe("fault suite (one run per shape)", () => {
  for (const name of SUBSET) {
    const shape = shapeNamed(name);
    void it(`${name} (${shape.expect})`, { timeout: 240_000 }, async (t) => {
      const result = await runShape(shape, SUBNET, DEFAULT_SETTINGS);
      const violations = judge(shape, result.verdict, DEFAULT_SETTINGS);
      t.diagnostic(runLine(shape, result, violations));
      if (shape.issue !== null) t.diagnostic(`known-unsafe: ${shape.issue}`);
      assert.deepEqual(violations, []);
    });
  }
});
