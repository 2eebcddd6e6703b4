import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatArg, formatLine } from "./quote.js";
import { tokenizeLine } from "./tokenize.js";

function reread(argv: readonly string[]): readonly string[] {
  const t = tokenizeLine(formatLine(argv));
  if (t.kind !== "args") assert.fail(formatLine(argv));
  return t.argv;
}

/** xorshift32: a fixed sequence of test strings, the same on every run. */
function* strings(seed: number, count: number): Generator<string> {
  const alphabet = [
    "a",
    "Z",
    "0",
    " ",
    "\t",
    '"',
    "'",
    "\\",
    "#",
    "\n",
    "\r",
    "\x01",
    "\x7f",
    "é",
    "密",
    "x",
    "$",
    "=",
  ];
  let s = seed;
  for (let i = 0; i < count; i++) {
    let out = "";
    const length = i % 9;
    for (let j = 0; j < length; j++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out += alphabet[(s >>> 0) % alphabet.length] ?? "";
    }
    yield out;
  }
}

void describe("formatArg", () => {
  void it("writes plain values as they are", () => {
    assert.equal(formatArg("10.91.4.20"), "10.91.4.20");
    assert.equal(formatArg("/var/lib/redis/failover.sh"), "/var/lib/redis/failover.sh");
    assert.equal(formatArg("密码"), "密码");
  });

  void it("quotes what would not read back", () => {
    assert.equal(formatArg("a b"), '"a b"');
    assert.equal(formatArg(""), '""');
    assert.equal(formatArg('q"\\'), '"q\\"\\\\"');
    assert.equal(formatArg("l\n\x01"), '"l\\n\\x01"');
  });

  void it("reads back every value unchanged (1000 generated values)", () => {
    for (const value of strings(0x9e3779b9, 1000)) {
      assert.deepEqual(reread(["sentinel", "auth-pass", "m", value]), ["sentinel", "auth-pass", "m", value]);
    }
  });
});
