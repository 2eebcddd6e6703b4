// Image build step (compose/Dockerfile): narrows the npm workspace to what the compiled services
// need at run time, so `npm install --omit=dev` installs their third-party packages only. The test
// kit is a workspace package itself (linked, so npm installs its dependencies, testcontainers
// and its docker client among them, even with --omit=dev); the CLI is bundled with everything it
// uses. Both leave the manifest here; package-lock.json still pins every version that remains.
// Usage (in the image's /app): node runtime-workspaces.mjs
import { readFileSync, writeFileSync } from "node:fs";

const RUNTIME = [
  "libs/protocol",
  "libs/core",
  "libs/hooks",
  "libs/runtime",
  "services/data-node",
  "services/sentinel-agent",
  "services/vip-manager",
];
const DROPPED = ["@sentinel-plane/testkit", "@sentinel-plane/cli"];

function rewrite(path, edit) {
  const manifest = JSON.parse(readFileSync(path, "utf8"));
  edit(manifest);
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

rewrite("package.json", (m) => {
  m.workspaces = RUNTIME;
  delete m.devDependencies;
});
for (const dir of RUNTIME) {
  rewrite(`${dir}/package.json`, (m) => {
    for (const name of DROPPED) delete m.devDependencies?.[name];
  });
}
console.log(`runtime-workspaces: ${RUNTIME.join(", ")}`);
