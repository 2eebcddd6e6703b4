import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SENTINEL_CONFIG_DEFAULT } from "./model.js";
import { MYID_RANDOM_BYTES, ensureMyid, generateMyid, isValidMyid } from "./myid.js";

void describe("myid", () => {
  void it("is 40 lowercase hex characters made from the injected bytes", () => {
    const bytes = Uint8Array.from({ length: MYID_RANDOM_BYTES }, (_, i) => i * 13);
    const id = generateMyid(bytes);
    assert.equal(id, "000d1a2734414e5b6875828f9ca9b6c3d0ddeaf7");
    assert.ok(isValidMyid(id));
  });

  void it("asserts the caller passed the right number of bytes", () => {
    assert.throws(() => generateMyid(new Uint8Array(8)), /needs 20 random bytes, got 8/);
  });

  void it("validates ids", () => {
    assert.equal(isValidMyid("785d2afbb649dfcff20c2bf9c07f17c6a4f18e89"), true);
    assert.equal(isValidMyid("785D2AFBB649DFCFF20C2BF9C07F17C6A4F18E89"), false);
    assert.equal(isValidMyid("785d2afbb649dfcff20c2bf9c07f17c6a4f18e8"), false);
    assert.equal(isValidMyid("785d2afbb649dfcff20c2bf9c07f17c6a4f18e8g"), false);
  });

  void it("ensureMyid generates only when the file has none", () => {
    let calls = 0;
    const random = (): Uint8Array => {
      calls++;
      return new Uint8Array(MYID_RANDOM_BYTES).fill(0xab);
    };
    const generated = ensureMyid(SENTINEL_CONFIG_DEFAULT, random);
    assert.equal(generated.myid, "ab".repeat(20));
    const kept = ensureMyid(generated, random);
    assert.equal(kept, generated);
    assert.equal(calls, 1);
  });
});
