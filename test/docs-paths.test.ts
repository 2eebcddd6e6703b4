// docs/ARCHITECTURE.md and the ADRs walk the code by file name (issue 19: "kept true"). A renamed
// or removed file must take its mention along: every `path.ext` they quote names a tracked file,
// by its repository path or, for a bare name, by the end of one.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

const root = new URL("..", import.meta.url).pathname;
const tracked = execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n");
const docs = ["docs/ARCHITECTURE.md", ...readdirSync(join(root, "docs/adr")).map((f) => `docs/adr/${f}`)];

/** The repository's top-level entries: a quoted path with a slash names a file only below one. */
const top_level = new Set(tracked.map((f) => f.split("/")[0]));

/**
 * `a/b.ts`, `b.ts`, `bench/results/x.md` inside backquotes; not URLs, globs or placeholders, nor
 * paths of a deployment (`state_dir/redis-watchdog.pid.json`).
 */
function quotedPaths(text: string): string[] {
  const found = text.match(/`[A-Za-z0-9_./-]+\.(?:ts|mjs|md|sh|json|yaml)`/g) ?? [];
  return [...new Set(found.map((q) => q.slice(1, -1)))].filter(
    (p) => !p.includes("<") && (!p.includes("/") || top_level.has(p.replace(/^\.\//, "").split("/")[0])),
  );
}

function exists(path: string): boolean {
  const clean = path.replace(/^\.\//, "");
  return tracked.some((f) => f === clean || f.endsWith(`/${clean}`));
}

void test("every file the architecture notes and ADRs quote exists", () => {
  const missing = docs.flatMap((doc) =>
    quotedPaths(readFileSync(join(root, doc), "utf8"))
      .filter((path) => !exists(path))
      .map((path) => `${doc}: ${path}`),
  );
  assert.deepEqual(missing, []);
});

void test("the check sees a missing file and skips a deployment's path", () => {
  assert.equal(exists("libs/core/src/no-such-file.ts"), false);
  assert.equal(exists("failover.ts"), true);
  assert.deepEqual(quotedPaths("`libs/core/src/gone.ts` `state_dir/x.json` `gone.ts`"), [
    "libs/core/src/gone.ts",
    "gone.ts",
  ]);
});
