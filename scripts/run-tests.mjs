// Runs every `*.test.ts` under libs/, services/, test/ and bench/ (its pure parts) with node's built-in runner (through tsx).
// Usage: node scripts/run-tests.mjs [path-substring ...]   (filters files; none = all)
// Files under test/serial/ or named *.serial.test.ts run one at a time after the others: they use
// network namespaces or heavy process sets that must not overlap.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const roots = ["libs", "services", "test", "bench"];
const skip = new Set(["node_modules", ".tsbuild", "dist", ".tmp"]);

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => walk(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test file matched");
  process.exit(1);
}
const serial = files.filter((f) => f.includes(".serial.test.ts") || f.startsWith("test/serial/"));
const parallel = files.filter((f) => !serial.includes(f));

function run(list, concurrency) {
  if (list.length === 0) return 0;
  const args = [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=180000",
    "--test-reporter=spec",
    ...list,
  ];
  const res = spawnSync(process.execPath, args, { stdio: "inherit", cwd: root });
  return res.status ?? 1;
}

const a = run(parallel, Number(process.env.SP_TEST_CONCURRENCY ?? 2));
const b = run(serial, 1);
process.exit(a !== 0 ? a : b);
