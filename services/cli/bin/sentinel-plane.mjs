#!/usr/bin/env node
// The `sentinel-plane` command. In a checkout (src/ beside this file) it runs the TypeScript
// sources through tsx, registered in this process (no second node process, so signals such as
// Ctrl-C reach the CLI itself): what you edit is what runs. Installed from the packed tarball
// (`npm pack`, no src/ in it) it runs the compiled bundle in dist/, with no dependency at all.
import { existsSync } from "node:fs";

const source = new URL("../src/main.ts", import.meta.url);
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(source.href);
} else {
  await import("../dist/main.js");
}
