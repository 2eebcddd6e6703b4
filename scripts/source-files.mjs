// The non-test TypeScript files of the packages (libs/*/src, services/*/src): the same files as
// `git ls-files 'services/**/*.ts' 'libs/**/*.ts' | grep -v '\.test\.ts$'`, without needing git,
// for the test command's ratchets (function-lengths.mjs, type-assertions.mjs).
import { readdirSync } from "node:fs";
import { join } from "node:path";

export function sourceFiles() {
  const found = [];
  for (const top of ["libs", "services"]) {
    for (const pkg of readdirSync(top, { withFileTypes: true })) {
      if (!pkg.isDirectory()) continue;
      const src = join(top, pkg.name, "src");
      let entries;
      try {
        entries = readdirSync(src, { recursive: true, withFileTypes: true });
      } catch {
        continue; // a package without src/
      }
      for (const entry of entries) {
        if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
        found.push(join(entry.parentPath, entry.name));
      }
    }
  }
  return found.sort();
}
