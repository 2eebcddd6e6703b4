import assert from "node:assert/strict";
import { test } from "node:test";
import { HOME_AND_CLEAR, Redraw } from "./redraw.js";

void test("Redraw on a terminal: every frame starts at the top-left corner over a cleared screen", () => {
  const r = new Redraw(true);
  assert.equal(r.frame("a\nb", "(footer)"), `${HOME_AND_CLEAR}a\nb\n(footer)\n`);
  // The same block again is drawn again (the footer's time changes), still in place.
  assert.equal(r.frame("a\nb", "(later)"), `${HOME_AND_CLEAR}a\nb\n(later)\n`);
});

void test("Redraw in a pipe: no escapes, a block only when it changed, blocks separated", () => {
  const r = new Redraw(false);
  assert.equal(r.frame("one", "(f)"), "one\n");
  assert.equal(r.frame("one", "(f)"), "");
  assert.equal(r.frame("two", "(f)"), "\ntwo\n");
});
