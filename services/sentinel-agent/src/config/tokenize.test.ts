import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitConfigLines, tokenizeLine } from "./tokenize.js";

function argv(line: string): readonly string[] {
  const t = tokenizeLine(line);
  if (t.kind !== "args") assert.fail(`expected args for ${JSON.stringify(line)}, got ${JSON.stringify(t)}`);
  return t.argv;
}

function reason(line: string): string {
  const t = tokenizeLine(line);
  if (t.kind !== "error") assert.fail(`expected an error for ${JSON.stringify(line)}`);
  return t.reason;
}

void describe("tokenizeLine (sdssplitargs semantics)", () => {
  void it("splits on spaces and tabs and trims the line", () => {
    assert.deepEqual(argv("  sentinel monitor\tmymaster 10.91.4.20   6888 2 \r"), [
      "sentinel",
      "monitor",
      "mymaster",
      "10.91.4.20",
      "6888",
      "2",
    ]);
  });

  void it("recognises blank lines and comments only at the start of a line", () => {
    assert.equal(tokenizeLine("").kind, "blank");
    assert.equal(tokenizeLine(" \t\r").kind, "blank");
    assert.equal(tokenizeLine("   # a comment").kind, "comment");
    // As in Redis, a # after a directive is an argument, not a comment.
    assert.deepEqual(argv("port 26379 # note"), ["port", "26379", "#", "note"]);
  });

  void it('reads double quotes with \\n \\t \\r \\a \\b \\\\ \\" and \\xHH escapes', () => {
    assert.deepEqual(argv('logfile "/var/log/redis/sentinel.log"'), [
      "logfile",
      "/var/log/redis/sentinel.log",
    ]);
    assert.deepEqual(argv('x "a b\\n\\t\\r\\a\\b\\\\\\"\\q"'), ["x", 'a b\n\t\r\x07\b\\"q']);
    assert.deepEqual(argv('x "\\x41\\x7a"'), ["x", "Az"]);
    // Escaped bytes form UTF-8 sequences.
    assert.deepEqual(argv('x "caf\\xc3\\xa9"'), ["x", "café"]);
    // \x without two hex digits is the letter x.
    assert.deepEqual(argv('x "\\xZ1"'), ["x", "xZ1"]);
    assert.deepEqual(argv('x ""'), ["x", ""]);
  });

  void it("reads single quotes with only \\' as an escape", () => {
    assert.deepEqual(argv("x 'it\\'s \\n'"), ["x", "it's \\n"]);
  });

  void it("joins a quoted part to the unquoted text before it, as Redis does", () => {
    assert.deepEqual(argv('x ab"c d"'), ["x", "abc d"]);
  });

  void it("keeps UTF-8 text", () => {
    assert.deepEqual(argv("sentinel auth-pass m 密码"), ["sentinel", "auth-pass", "m", "密码"]);
  });

  void it("refuses unbalanced quotes and text glued after a closing quote", () => {
    assert.match(reason('x "abc'), /unbalanced quotes/);
    assert.match(reason("x 'abc"), /unbalanced quotes/);
    assert.match(reason('x "abc"d'), /closing quote must be followed by a space/);
    assert.match(reason("x 'abc'd"), /closing quote must be followed by a space/);
    assert.match(reason('x "\\xff"'), /not valid UTF-8/);
    assert.match(reason("x \0"), /NUL/);
  });
});

void describe("splitConfigLines", () => {
  void it("numbers lines from 1 and keeps their text", () => {
    const lines = splitConfigLines("# c\n\nport 1\r\nsentinel myid\n");
    assert.deepEqual(
      lines.map((l) => [l.line, l.text, l.tokens.kind]),
      [
        [1, "# c", "comment"],
        [2, "", "blank"],
        [3, "port 1\r", "args"],
        [4, "sentinel myid", "args"],
      ],
    );
  });

  void it("counts a last line without a newline", () => {
    assert.equal(splitConfigLines("a\nb").length, 2);
    assert.equal(splitConfigLines("").length, 0);
  });
});
