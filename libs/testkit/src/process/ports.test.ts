import assert from "node:assert/strict";
import { test } from "node:test";
import { freePort } from "./ports.js";

void test("freePort never hands out the same port twice, even once released", async () => {
  // The kernel readily returns a just-released port to the next listen(0); prepared-but-not-yet-
  // started servers would then share it.
  const seen = new Set<number>();
  for (let i = 0; i < 500; i++) {
    const port = await freePort();
    assert.ok(!seen.has(port), `port ${String(port)} handed out twice (call ${String(i)})`);
    seen.add(port);
  }
});
