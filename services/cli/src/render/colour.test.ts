import assert from "node:assert/strict";
import { test } from "node:test";
import { ANSI, colourWanted, PLAIN, visibleLength } from "./colour.js";
import { table } from "./table.js";

void test("colourWanted: a terminal only, and never with NO_COLOR or TERM=dumb", () => {
  assert.equal(colourWanted({ isTTY: true }, {}), true);
  assert.equal(colourWanted({ isTTY: false }, {}), false);
  assert.equal(colourWanted({}, {}), false);
  assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "1" }), false);
  // no-color.org: an empty NO_COLOR does not count.
  assert.equal(colourWanted({ isTTY: true }, { NO_COLOR: "" }), true);
  assert.equal(colourWanted({ isTTY: true }, { TERM: "dumb" }), false);
});

void test("palettes: ANSI wraps in SGR codes, PLAIN leaves text alone", () => {
  assert.equal(ANSI.ok("up"), "\x1b[32mup\x1b[0m");
  assert.equal(PLAIN.bad("down"), "down");
  assert.equal(visibleLength(ANSI.bad("down")), 4);
});

void test("table: coloured cells are padded by what the terminal shows", () => {
  const plain = table(
    ["link", "x"],
    [
      ["up", "1"],
      ["down", "2"],
    ],
  );
  const coloured = table(
    ["link", "x"],
    [
      [ANSI.ok("up"), "1"],
      [ANSI.bad("down"), "2"],
    ],
  );
  // eslint-disable-next-line no-control-regex -- stripping the escapes to compare layouts
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ""), plain);
});
