// `npm run build`: compiles every service and the CLI into its dist/ with esbuild, after `tsc -b`
// has type-checked every package (tsc emits declarations only; see tsconfig.base.json).
//
// Why a bundler rather than tsc emit: every workspace package exports `./src/index.ts`, which is
// what tests, tsx and the other packages' type-checks rely on. tsc emit would leave compiled code
// importing those .ts files (plain node cannot load them) unless every package.json grew
// conditional exports and every test switched condition. esbuild inlines the libs/ packages into
// each service's one file instead, so the sources stay as they are. The third-party packages are
// inlined too (the files @fastify/swagger-ui serves are copied beside the bundle): a service's
// dist/ is all it needs at run time, no node_modules, which keeps the image small (issue 16).
// The CLI goes further: everything it uses is bundled, so the packed CLI has no dependencies at
// all and installs anywhere; each command's code is its own chunk, loaded only when it runs.
//
// Usage: node scripts/build.mjs [--metafile]   (writes dist/meta.json beside each output)
import { build } from "esbuild";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const metafile = process.argv.includes("--metafile");

// ioredis and other CommonJS packages call require() for node built-ins; an ESM bundle has none.
const REQUIRE_SHIM =
  "import { createRequire as __spCreateRequire } from 'node:module'; const require = __spCreateRequire(import.meta.url);";

/**
 * @fastify/swagger-ui serves swagger-ui's files from `__dirname/../static` (and reads
 * `__dirname/static/logo.svg`): inlined, its __dirname becomes dist/swagger-ui[/lib], where
 * SWAGGER_UI_STATIC copies those files.
 */
const SWAGGER_UI_DIR = join(root, "node_modules/@fastify/swagger-ui");
const swaggerUiFiles = {
  name: "swagger-ui-files",
  setup(b) {
    b.onLoad({ filter: /[\\/]@fastify[\\/]swagger-ui[\\/].*\.js$/ }, async (args) => {
      const from = relative(SWAGGER_UI_DIR, dirname(args.path));
      const contents = await readFile(args.path, "utf8");
      const dir = `(__dirname + ${JSON.stringify(`/swagger-ui${from === "" ? "" : `/${from}`}`)})`;
      return {
        contents: contents.replaceAll("__dirname", dir),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};
const SWAGGER_UI_STATIC = ["../../node_modules/@fastify/swagger-ui/static", "dist/swagger-ui/static"];

// Inlined CommonJS packages may also name their own file or directory; in the bundle that is
// dist/main.js. Those that do read package.json for a version, in a try (ioredis,
// @fastify/swagger), or files of pino's transports, which are not used.
const DIRNAME_SHIM =
  "import { fileURLToPath as __spFileURLToPath } from 'node:url'; import { dirname as __spDirname } from 'node:path'; const __filename = __spFileURLToPath(import.meta.url); const __dirname = __spDirname(__filename);";

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
  "sentinel-agent": [["src/rest/console/assets", "dist/assets"], SWAGGER_UI_STATIC],
};

/**
 * The sentinel-agent's bundle is also minified (names kept, so stack traces still name functions;
 * dist/main.js.map maps them back, `node --enable-source-maps`). V8 keeps the source text of
 * every loaded module in the heap (for lazy compilation): about 7.5 MB for the agent's packages as
 * node_modules ships them, 2 MB minified, and the agent's RSS is what `bench/scale` measures
 * against Redis Sentinel's (README "Agent memory").
 */
async function service(name) {
  const dir = join(root, "services", name);
  await rm(join(dir, "dist"), { recursive: true, force: true });
  const agent = name === "sentinel-agent";
  const result = await build({
    ...common,
    entryPoints: { main: join(dir, "src/main.ts") },
    outdir: join(dir, "dist"),
    plugins: [swaggerUiFiles],
    ...(agent ? { minify: true, keepNames: true } : {}),
    // A line for the process list and the journal: which build this is.
    banner: {
      js: `// sentinel-plane ${name} (compiled by scripts/build.mjs)\n${REQUIRE_SHIM} ${DIRNAME_SHIM}`,
    },
  });
  if (metafile) await writeFile(join(dir, "dist/meta.json"), JSON.stringify(result.metafile));
  // dist/ alone is a runnable service (the image ships only it): its bundle is an ES module.
  await writeFile(join(dir, "dist/package.json"), `${JSON.stringify({ type: "module" })}\n`);
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
