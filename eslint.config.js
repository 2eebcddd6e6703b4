// Lint rules that carry the architecture: typed promises, no `any`, type-only imports, and the
// package boundaries of STYLE.md (libs never import services; a service never imports another
// service; nothing reaches into another package's src/; libs/core stays pure).
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const SERVICES = ["data-node", "sentinel-agent", "vip-manager", "cli"];

/** Imports that would cross a package's public surface. */
const internalsPatterns = [
  {
    group: ["@sentinel-plane/*/src", "@sentinel-plane/*/src/*"],
    message: "Import the package's public index, not its internals.",
  },
  {
    group: [
      "**/libs/*/src/**",
      "**/services/*/src/**",
      "../../libs/**",
      "../../services/**",
      "../../../libs/**",
      "../../../services/**",
    ],
    message: "Cross-package relative imports are forbidden: depend on the package by name.",
  },
];

const serviceNames = SERVICES.map((s) => `@sentinel-plane/${s}`);

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/.tsbuild/**",
      "**/dist/**",
      ".tmp/**",
      "bench/results/**",
      // Redis's own Sentinel test suite, vendored unmodified (Tcl; README.md is theirs).
      "test/redis-sentinel-suite/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/restrict-template-expressions": [
        "error",
        { allowNumber: true, allowBoolean: true },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-unnecessary-condition": ["error", { allowConstantLoopConditions: true }],
      "no-restricted-imports": ["error", { patterns: internalsPatterns }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ["libs/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: serviceNames.map((name) => ({ name, message: "libs never import services." })),
          patterns: internalsPatterns,
        },
      ],
    },
  },
  ...SERVICES.map((svc) => ({
    files: [`services/${svc}/**/*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: serviceNames
            .filter((n) => n !== `@sentinel-plane/${svc}`)
            .map((name) => ({ name, message: "A service never imports another service." })),
          patterns: internalsPatterns,
        },
      ],
    },
  })),
  {
    // The core is pure: no I/O, no clock, no randomness. Time and entropy arrive as inputs.
    files: ["libs/core/src/**/*.ts"],
    ignores: ["libs/core/src/**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...internalsPatterns,
            {
              group: ["node:*", "fs", "net", "ioredis", "@nats-io/*", "fastify"],
              message: "libs/core is pure: no I/O modules.",
            },
          ],
          paths: serviceNames.map((name) => ({ name, message: "libs never import services." })),
        },
      ],
      "no-restricted-globals": [
        "error",
        "setTimeout",
        "setInterval",
        "setImmediate",
        "performance",
        "process",
        "fetch",
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Time enters the core as tick{now_ms}." },
        {
          object: "Math",
          property: "random",
          message: "Randomness enters the core from an injected source.",
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "NewExpression[callee.name='Date']", message: "Time enters the core as tick{now_ms}." },
      ],
    },
  },
  // The shell loops (the agent's, the vip-manager's, the data-node's) read time only through their
  // options and ports (now_ms, unix_ms, Clock, Timers): the simulator runs them on simulated time.
  // Node's clock and timers are the services' ports (runtime timers.ts: nodeClock, nodeTimers).
  ...["agent-shell", "vip-shell", "data-node-shell"].map((pkg) => ({
    files: [`libs/${pkg}/src/**/*.ts`],
    // Tests and their support flush promises with Node's own setImmediate.
    ignores: [`libs/${pkg}/src/**/*.test.ts`, `libs/${pkg}/src/test-support.ts`],
    rules: {
      "no-restricted-globals": [
        "error",
        "setTimeout",
        "clearTimeout",
        "setInterval",
        "setImmediate",
        "performance",
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Time enters the loop through its options or ports." },
      ],
    },
  })),
);
