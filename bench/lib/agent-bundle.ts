// The sentinel-agent as one plain-JS file (esbuild, our TypeScript inlined, npm packages left as
// imports), so a benchmark can run it with plain `node` and tell how much of the agent's memory
// and start-up is the tsx loader (a module-loader thread with its own heap, and transpiling at
// start) rather than the agent. The file goes under node_modules/.cache so the packages resolve.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AGENT_ENTRY, repoRoot } from "@sentinel-plane/testkit";

const BUILD_TIMEOUT_MS = 60_000;

/** Every dependency of the agent's workspace packages that is not one of ours. */
function externalPackages(root: string): string[] {
  const manifests = ["services/sentinel-agent", "libs/core", "libs/protocol", "libs/runtime", "libs/hooks"];
  const names = new Set<string>();
  for (const dir of manifests) {
    let manifest: { dependencies?: Record<string, string> };
    try {
      manifest = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")) as typeof manifest;
    } catch {
      continue; // a package that does not exist (yet) has nothing to exclude
    }
    for (const name of Object.keys(manifest.dependencies ?? {}))
      if (!name.startsWith("@sentinel-plane/")) names.add(name);
  }
  return [...names];
}

/** Builds the bundle and returns its path. */
export function buildAgentBundle(): string {
  const root = repoRoot();
  const dir = join(root, "node_modules", ".cache", "sp-bench");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, "sentinel-agent.mjs");
  const externals = externalPackages(root).flatMap((name) => [`--external:${name}`, `--external:${name}/*`]);
  execFileSync(
    join(root, "node_modules", ".bin", "esbuild"),
    [
      AGENT_ENTRY,
      "--bundle",
      "--platform=node",
      "--format=esm",
      "--target=node20",
      `--outfile=${outfile}`,
      "--log-level=warning",
      ...externals,
    ],
    { cwd: root, stdio: ["ignore", "inherit", "inherit"], timeout: BUILD_TIMEOUT_MS },
  );
  return outfile;
}
