// `npm run build`: compiles every service and the CLI into its dist/ with esbuild, after `tsc -b`
// has type-checked every package (tsc emits declarations only; see tsconfig.base.json).
//
// Why a bundler rather than tsc emit: every workspace package exports `./src/index.ts`, which is
// what tests, tsx and the other packages' type-checks rely on. tsc emit would leave compiled code
// importing those .ts files (plain node cannot load them) unless every package.json grew
// conditional exports and every test switched condition. esbuild inlines the libs/ packages into
// each service's one file instead, so the sources stay as they are and a service's dist/main.js
// needs only the third-party packages of its package.json (installed with `npm ci --omit=dev`).
// The CLI goes further: everything it uses is bundled, so the packed CLI has no dependencies at
// all and installs anywhere; each command's code is its own chunk, loaded only when it runs.
//
// Usage: node scripts/build.mjs [--metafile]   (writes dist/meta.json beside each output)
import { build } from "esbuild";
import { cp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const metafile = process.argv.includes("--metafile");

// ioredis and other CommonJS packages call require() for node built-ins; an ESM bundle has none.
const REQUIRE_SHIM =
  "import { createRequire as __spCreateRequire } from 'node:module'; const require = __spCreateRequire(import.meta.url);";

/** Third-party packages stay external (resolved from node_modules); workspace packages are inlined. */
const workspaceInlined = {
  name: "workspace-inlined",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("@sentinel-plane/")) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/**
 * The libs/ sources have no import-time side effects (a service's loop starts them), so the CLI's
 * bundle keeps only what it calls: one helper from @sentinel-plane/runtime must not bring NATS,
 * pino and typebox along.
 */
const libsWithoutSideEffects = {
  name: "libs-without-side-effects",
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === "libs-without-side-effects" || args.kind === "entry-point") return undefined;
      const result = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "libs-without-side-effects",
      });
      if (result.errors.length > 0) return { errors: result.errors };
      if (!result.path.startsWith(join(root, "libs/"))) return result;
      return { ...result, sideEffects: false };
    });
  },
};

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
  metafile,
};

const SERVICES = ["data-node", "sentinel-agent", "vip-manager"];

// Files a service reads at run time next to its module (`new URL("./assets/", import.meta.url)`):
// in the bundle, that module is dist/main.js, so they are copied beside it.
const RUNTIME_ASSETS = {
  "sentinel-agent": [["src/rest/console/assets", "dist/assets"]],
};

/**
 * The agent's npm packages that stay imports (resolved from node_modules at run time), each for a
 * reason: they read files of their own package through `__dirname`, which an ESM bundle does not
 * have (ioredis its package.json for CLIENT SETINFO lib-ver, @fastify/swagger its package.json,
 * @fastify/swagger-ui its static files), or they load only when asked (OpenTelemetry's SDK).
 */
const AGENT_EXTERNAL = [/^ioredis$/, /^@fastify\/swagger(-ui)?$/, /^@opentelemetry\//];

/**
 * The sentinel-agent inlines its other npm packages too, minified (names kept, so stack traces
 * still name functions; dist/main.js.map maps them back, `node --enable-source-maps`). V8 keeps the
 * source text of every loaded module in the heap (for lazy compilation): about 7.5 MB for the agent's
 * packages as node_modules ships them, 2 MB as one minified bundle, and the agent's RSS is what
 * `bench/scale` measures against Redis Sentinel's (README "Agent memory").
 */
const agentInlined = {
  name: "agent-inlined",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith("node:")) return { path: args.path, external: true };
      const pkg = args.path
        .split("/")
        .slice(0, args.path.startsWith("@") ? 2 : 1)
        .join("/");
      return AGENT_EXTERNAL.some((re) => re.test(pkg)) ? { path: args.path, external: true } : undefined;
    });
  },
};

async function service(name) {
  const dir = join(root, "services", name);
  await rm(join(dir, "dist"), { recursive: true, force: true });
  const agent = name === "sentinel-agent";
  const banner = `// sentinel-plane ${name} (compiled by scripts/build.mjs)`;
  const result = await build({
    ...common,
    entryPoints: { main: join(dir, "src/main.ts") },
    outdir: join(dir, "dist"),
    plugins: [agent ? agentInlined : workspaceInlined],
    ...(agent ? { minify: true, keepNames: true } : {}),
    // A line for the process list and the journal: which build this is. The agent's inlined
    // CommonJS packages call require() for node built-ins: the shim gives the ESM bundle one.
    banner: { js: agent ? `${banner}\n${REQUIRE_SHIM}` : banner },
  });
  if (metafile) await writeFile(join(dir, "dist/meta.json"), JSON.stringify(result.metafile));
  for (const [from, to] of RUNTIME_ASSETS[name] ?? []) {
    await cp(join(dir, from), join(dir, to), { recursive: true });
  }
}

async function cli() {
  const dir = join(root, "services/cli");
  await rm(join(dir, "dist"), { recursive: true, force: true });
  const result = await build({
    ...common,
    entryPoints: { main: join(dir, "src/main.ts") },
    outdir: join(dir, "dist"),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    minify: true,
    plugins: [libsWithoutSideEffects],
    banner: { js: REQUIRE_SHIM },
  });
  if (metafile) await writeFile(join(dir, "dist/meta.json"), JSON.stringify(result.metafile));
}

await Promise.all([...SERVICES.map(service), cli()]);
console.log(`build: ${[...SERVICES, "cli"].map((s) => `services/${s}/dist`).join(", ")}`);
