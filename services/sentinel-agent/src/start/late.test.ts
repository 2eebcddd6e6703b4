import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Late } from "./late.js";

void describe("Late", () => {
  void it("gives the value once set", () => {
    const late = new Late<{ n: number }>("thing");
    const value = { n: 1 };
    late.set(value);
    assert.equal(late.get(), value);
  });

  void it("refuses a read before the value is built, naming it", () => {
    const late = new Late<number>("the agent loop");
    assert.throws(() => late.get(), /the agent loop read before it was built/);
  });

  void it("refuses a second value", () => {
    const late = new Late<number>("the Sentinel port");
    late.set(1);
    assert.throws(() => {
      late.set(2);
    }, /the Sentinel port set twice/);
    assert.equal(late.get(), 1);
  });
});
