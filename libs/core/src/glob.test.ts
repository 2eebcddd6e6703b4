// Redis's glob rules (util.c stringmatchlen), the one matcher for RESET, PSUBSCRIBE and CONFIG GET.
import { test } from "node:test";
import assert from "node:assert/strict";
import { globMatch } from "./glob.js";
import { Harness, PRIMARY, SETTINGS } from "./test-support.js";

void test("wildcards, classes, ranges, negation and escapes as Redis", () => {
  const cases: [string, string, boolean][] = [
    ["*", "", true],
    ["*", "mymaster", true],
    ["my*", "mymaster", true],
    ["*master", "mymaster", true],
    ["m?master", "mymaster", true],
    ["m?master", "mmaster", false],
    ["*a*a*", "banana", true],
    ["m[xy]master", "mymaster", true],
    ["m[^y]master", "mymaster", false],
    ["cache-[0-9]", "cache-7", true],
    ["cache-[9-0]", "cache-7", true], // reversed range, as Redis
    ["cache-[0-9]", "cache-x", false],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["a[\\]]b", "a]b", true],
    ["m[12", "m1", true], // an unterminated class is closed at the end, as Redis
    ["a.b", "axb", false], // no regular expression underneath
    ["", "", true],
    ["", "x", false],
  ];
  for (const [pattern, subject, expected] of cases) {
    assert.equal(globMatch(pattern, subject), expected, `${pattern} ~ ${subject}`);
  }
  assert.equal(globMatch("MY*", "mymaster"), false);
  assert.equal(globMatch("MY*", "mymaster", true), true);
  assert.equal(globMatch("[A-C]x", "bx", true), true);
});

void test("SENTINEL RESET takes Redis's patterns: a class resets the masters it names", () => {
  const h = new Harness();
  for (const name of ["cache-1", "cache-2", "cache-a"]) {
    h.input({
      type: "admin",
      now_ms: h.now_ms,
      command: {
        type: "monitor",
        name,
        address: { ...PRIMARY, port: 7000 + name.length },
        settings: SETTINGS,
      },
      request_id: 1,
    });
  }
  const effects = h.input({
    type: "admin",
    now_ms: h.now_ms,
    command: { type: "reset", pattern: "cache-[0-9]" },
    request_id: 2,
  });
  const reply = effects.find((e) => e.type === "admin_reply");
  assert.ok(reply?.type === "admin_reply");
  assert.equal(reply.message, "2");
  const reset = effects.flatMap((e) =>
    e.type === "event" && e.event.name === "+reset-master" ? [e.event.text] : [],
  );
  assert.deepEqual(
    reset.map((text) => text.split(" ")[1]),
    ["cache-1", "cache-2"],
  );
});
