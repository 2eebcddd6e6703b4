import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSetOptions } from "./sentinel-command.js";

void test("SENTINEL SET takes the promotion limits: 0 (off) and up, not negative", () => {
  assert.deepEqual(parseSetOptions(["max-promotion-lag-bytes", "1048576", "MAX-PROMOTION-LAG-MS", "0"]), [
    { option: "max-promotion-lag-bytes", value: 1_048_576 },
    { option: "max-promotion-lag-ms", value: 0 },
  ]);
  const refused = parseSetOptions(["max-promotion-lag-ms", "-5"]);
  assert.ok(!Array.isArray(refused), "a negative limit is refused");
  assert.match(JSON.stringify(refused), /Invalid argument '-5' for SENTINEL SET 'max-promotion-lag-ms'/);
});
