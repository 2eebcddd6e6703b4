import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientPause } from "./client-pause.js";

void test("the strictest mode and the latest end win; the clock ends a pause; UNPAUSE wakes the held", async () => {
  let now = 1000;
  const pause = new ClientPause(() => now);
  assert.equal(pause.holdsAll(), false);
  pause.pause(60_000, "write");
  assert.equal(pause.holdsAll(), false, "WRITE holds no Sentinel command");
  pause.pause(2_000, "all");
  assert.equal(pause.holdsAll(), true);
  pause.pause(3_000, "write");
  assert.equal(pause.holdsAll(), true, "a weaker pause does not lift ALL");
  now = 60_000;
  assert.equal(pause.holdsAll(), false, "over at the latest end");
  now = 1000;
  pause.pause(60_000, "all");
  let woken = false;
  const held = pause.ended().then(() => {
    woken = true;
  });
  assert.equal(woken, false);
  pause.unpause();
  await held;
  assert.equal(woken, true);
  assert.equal(pause.holdsAll(), false);
});
