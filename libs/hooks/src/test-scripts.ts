// Real executable scripts for the hook tests: a temp dir made before the file's tests and removed
// after them.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";

export class ScriptDir {
  #dir = "";

  constructor(prefix: string) {
    before(() => {
      this.#dir = mkdtempSync(join(tmpdir(), prefix));
    });
    after(() => {
      rmSync(this.#dir, { recursive: true, force: true });
    });
  }

  /** The directory (set once the tests start). */
  get dir(): string {
    return this.#dir;
  }

  /** Writes an executable bash script `name` with `body`; returns its path. */
  script(name: string, body: string): string {
    const path = join(this.#dir, name);
    writeFileSync(path, `#!/bin/bash\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }
}
