// Counts TypeScript type assertions (`x as T` and `<T>x`, not `as const`) per file: the "`as`
// casts" figure of the closing notes, and a ratchet in the test command (`--max N` fails above N,
// so the count can only go down).
// Usage: node scripts/type-assertions.mjs [--max N] [file.ts...]
// Without files: every non-test .ts file of the packages (source-files.mjs).
import { readFileSync } from "node:fs";
import ts from "typescript";
import { sourceFiles } from "./source-files.mjs";

const args = process.argv.slice(2);
let max;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--max") {
    max = Number(args[++i]);
    if (!Number.isInteger(max) || max < 0) {
      console.error("type-assertions: --max needs a whole number");
      process.exit(2);
    }
  } else files.push(args[i]);
}
if (files.length === 0) files.push(...sourceFiles());

function isConstAssertion(node) {
  return ts.isConstTypeReference(node.type);
}

function isCast(node) {
  return (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && !isConstAssertion(node);
}

const rows = [];
let total = 0;
for (const file of files) {
  const kind = file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true, kind);
  let count = 0;
  const visit = (node) => {
    if (isCast(node)) count++;
    ts.forEachChild(node, visit);
  };
  visit(source);
  if (count > 0) rows.push({ count, file });
  total += count;
}
rows.sort((a, b) => b.count - a.count || a.file.localeCompare(b.file));
for (const row of rows) console.log(`${row.count}  ${row.file}`);
console.log(`${total} type assertion(s) in ${rows.length} of ${files.length} file(s)`);
if (max !== undefined && total > max) {
  console.error(
    `type-assertions: ${total} casts, above the bound of ${max}: remove the new ones (type guards, Value.Check, satisfies)`,
  );
  process.exit(1);
}
