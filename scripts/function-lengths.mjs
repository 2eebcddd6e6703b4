// Lists functions (declarations, methods, constructors, getters, arrow and function expressions)
// longer than N lines, longest first: the "functions over ~70 lines" figure of the closing notes.
// Usage: node scripts/function-lengths.mjs N file.ts...
//   e.g. node scripts/function-lengths.mjs 70 $(git ls-files 'services/*.ts' | grep -v '\.test\.ts$')
// Lines are counted from the function's first to its last line, comments and blank lines included.
import { readFileSync } from "node:fs";
import ts from "typescript";

const [min_text, ...files] = process.argv.slice(2);
const min = Number(min_text);
if (!Number.isInteger(min) || files.length === 0) {
  console.error("usage: node scripts/function-lengths.mjs N file.ts...");
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
