// Runs every scenario file in libs/testkit/scenarios and compares the event log with the expected
// output. `SP_REWRITE=1 node scripts/run-tests.mjs scenario` rewrites the expected outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { runScenario } from "./scenario.js";

const dir = new URL("../../scenarios/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort();

void test("there are scenario files", () => {
  assert.ok(files.length >= 5, `found ${files.length}`);
});

for (const file of files) {
  void test(`scenario ${file}`, async () => {
    const url = new URL(file, dir);
    const outcome = await runScenario(readFileSync(url, "utf8"));
    if (process.env.SP_REWRITE === "1") {
      writeFileSync(url, outcome.rewritten);
      return;
    }
    for (const block of outcome.blocks) {
      assert.equal(block.output, block.expected, `${file}: output of "${block.command}" differs`);
    }
  });
}
