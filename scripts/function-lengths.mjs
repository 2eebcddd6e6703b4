// Lists functions (declarations, methods, constructors, getters, arrow and function expressions)
// longer than N lines, longest first: the "functions over ~70 lines" figure of the closing notes.
// Usage: node scripts/function-lengths.mjs [--max COUNT] N [file.ts...]
//   e.g. node scripts/function-lengths.mjs 70 $(git ls-files 'services/*.ts' | grep -v '\.test\.ts$')
// Without files: every non-test .ts file of the packages (source-files.mjs).
// With --max COUNT it fails when more than COUNT functions are over N lines: the test command's
// ratchet (the bound only goes down).
// Lines are counted from the function's first to its last line, comments and blank lines included.
import { readFileSync } from "node:fs";
import ts from "typescript";
import { sourceFiles } from "./source-files.mjs";

const args = process.argv.slice(2);
let max;
if (args[0] === "--max") {
  max = Number(args[1]);
  args.splice(0, 2);
}
const [min_text, ...files] = args;
const min = Number(min_text);
if (files.length === 0) files.push(...sourceFiles());
if (!Number.isInteger(min) || (max !== undefined && !Number.isInteger(max))) {
  console.error("usage: node scripts/function-lengths.mjs [--max COUNT] N [file.ts...]");
  process.exit(2);
}

function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessor(node)
  );
}

function nameOf(node) {
  const own = node.name?.getText();
  if (own) return own;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  return "(anonymous)";
}

const rows = [];
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (isFunction(node)) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (last - first + 1 > min)
        rows.push({ lines: last - first + 1, at: `${file}:${first}`, name: nameOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
rows.sort((a, b) => b.lines - a.lines);
for (const row of rows) console.log(`${row.lines}  ${row.at}  ${row.name}`);
console.log(`${rows.length} function(s) over ${min} lines`);
if (max !== undefined && rows.length > max) {
  console.error(
    `function-lengths: ${rows.length} functions over ${min} lines, above the bound of ${max}: split the new ones`,
  );
  process.exit(1);
}
