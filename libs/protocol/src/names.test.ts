import assert from "node:assert/strict";
import { test } from "node:test";
import { isValidMasterName, MASTER_NAME_LENGTH_MAX, masterNameProblem } from "./names.js";

void test("usual master names are valid", () => {
  for (const name of [
    "mymaster",
    "my.master",
    "cache-1_eu",
    "é-maître",
    "a".repeat(MASTER_NAME_LENGTH_MAX),
  ]) {
    assert.equal(masterNameProblem(name), null, name);
  }
});

void test("names that would read differently somewhere are refused", () => {
  const bad = [
    "",
    "a".repeat(MASTER_NAME_LENGTH_MAX + 1),
    "a b",
    "a\tb",
    "a\u0000b",
    "a\u001bb",
    "a\u007fb",
    "a\u0085b",
    "evil\u202Etxt",
    "a\u2066b",
    "a\u200Bb",
    "a\u00A0b",
    "../../etc/passwd",
    "a/b",
    "a\\b",
    ".",
    "..",
  ];
  for (const name of bad) assert.equal(isValidMasterName(name), false, JSON.stringify(name));
});
