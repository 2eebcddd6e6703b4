// The sentinel-agent as it ships compiled: `scripts/build.mjs` (esbuild; our TypeScript inlined,
// npm packages left as imports) writes services/sentinel-agent/dist/main.js, run with plain
// `node`, so a benchmark can tell how much of the agent's memory and start-up is the tsx loader (a
// module-loader thread with its own heap, and transpiling at start) rather than the agent.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "@sentinel-plane/testkit";

const BUILD_TIMEOUT_MS = 120_000;

/** Builds every service (as `npm run build` does after its type-check) and returns the agent's bundle. */
export function buildAgentBundle(): string {
  const root = repoRoot();
  execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    timeout: BUILD_TIMEOUT_MS,
  });
  return join(root, "services", "sentinel-agent", "dist", "main.js");
}
