import assert from "node:assert/strict";
import { test } from "node:test";
import { utcText } from "./utc-text.js";

void test("utcText matches Date#toISOString across leap years, month ends and centuries", () => {
  const samples = [
    0, 1, 951_782_400_000, 951_868_799_999, 4_107_542_400_000, 1_780_000_000_123, 1_709_164_800_000,
  ];
  for (let t = 0; t < 4_200_000_000_000; t += 7_777_777_777) samples.push(t);
  for (const unix_ms of samples)
    assert.equal(utcText(unix_ms), new Date(unix_ms).toISOString(), String(unix_ms));
});
