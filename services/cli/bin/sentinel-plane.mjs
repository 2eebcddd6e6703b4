#!/usr/bin/env node
// The `sentinel-plane` command: registers tsx in this process (no second node process, so
// signals such as Ctrl-C reach the CLI itself) and runs the TypeScript entry point.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
