// Every SP_ERR_* code written anywhere in the sources is in the registry (errors.ts): a code
// defined elsewhere has no HTTP status, no template, and drifts.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { isErrorCode } from "./errors.js";

const ROOT = new URL("../../../", import.meta.url).pathname;
const SKIP = new Set(["node_modules", ".tsbuild", "dist", ".tmp", ".git"]);

function sources(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

void test("every SP_ERR_* code in libs/, services/, test/ and bench/ is a registry code", () => {
  const files = ["libs", "services", "test", "bench"].flatMap((dir) => sources(join(ROOT, dir), []));
  assert.ok(files.length > 100, `found ${files.length} source files`);
  const outside = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(file, "utf8").matchAll(/\bSP_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) {
      if (!isErrorCode(match[0])) outside.add(`${match[0]} (${file.slice(ROOT.length)})`);
    }
  }
  assert.deepEqual([...outside], []);
});
