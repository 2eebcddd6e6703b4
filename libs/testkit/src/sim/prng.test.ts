import { test } from "node:test";
import assert from "node:assert/strict";
import { Prng } from "./prng.js";

void test("same seed, same sequence; different seeds differ", () => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const xs = Array.from({ length: 100 }, () => a.u32());
  assert.deepEqual(
    xs,
    Array.from({ length: 100 }, () => b.u32()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 100 }, () => c.u32()),
  );
});

void test("int stays in range and covers it", () => {
  const rng = new Prng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i += 1) {
    const v = rng.int(7);
    assert.ok(Number.isInteger(v) && v >= 0 && v < 7);
    seen.add(v);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => rng.int(0));
  assert.throws(() => new Prng(-1));
});
