// Proves that the lint configuration enforces the package boundaries of STYLE.md: each case is a
// source text placed (virtually) in a package and must be reported, or accepted, as stated.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ESLint } from "eslint";

const BOUNDARY_RULES = new Set([
  "no-restricted-imports",
  "no-restricted-globals",
  "no-restricted-properties",
  "no-restricted-syntax",
]);

const eslint = new ESLint({
  cwd: new URL("..", import.meta.url).pathname,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => BOUNDARY_RULES.has(ruleId),
});

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, "eslint returned no result");
  const fatal = result.messages.filter((m) => m.ruleId === null);
  assert.deepEqual(fatal, [], "the probe text must parse");
  return result.messages.map((m) => `${m.ruleId ?? "parse"}: ${m.message}`);
}

const cases: { name: string; file: string; code: string; forbidden: boolean }[] = [
  {
    name: "a lib importing a service",
    file: "libs/runtime/src/x.ts",
    code: 'import "@sentinel-plane/data-node";',
    forbidden: true,
  },
  {
    name: "a service importing another service",
    file: "services/data-node/src/x.ts",
    code: 'import "@sentinel-plane/sentinel-agent";',
    forbidden: true,
  },
  {
    name: "reaching into a package's src",
    file: "services/data-node/src/x.ts",
    code: 'import "@sentinel-plane/core/src/types.js";',
    forbidden: true,
  },
  {
    name: "a relative path into another package",
    file: "services/data-node/src/x.ts",
    code: 'import "../../libs/core/src/types.js";',
    forbidden: true,
  },
  {
    name: "the core importing node:fs",
    file: "libs/core/src/x.ts",
    code: 'import "node:fs";',
    forbidden: true,
  },
  {
    name: "the core reading the clock",
    file: "libs/core/src/x.ts",
    code: "export const t = Date.now();",
    forbidden: true,
  },
  {
    name: "the core using Math.random",
    file: "libs/core/src/x.ts",
    code: "export const r = Math.random();",
    forbidden: true,
  },
  {
    name: "the core arming a timer",
    file: "libs/core/src/x.ts",
    code: "setTimeout(() => undefined, 1);",
    forbidden: true,
  },
  {
    name: "the agent's shell loop importing the agent",
    file: "libs/agent-shell/src/x.ts",
    code: 'import "@sentinel-plane/sentinel-agent";',
    forbidden: true,
  },
  {
    name: "the agent's shell loop arming a Node timer (the simulator could not run it)",
    file: "libs/agent-shell/src/x.ts",
    code: "setTimeout(() => undefined, 1);",
    forbidden: true,
  },
  {
    name: "the agent's shell loop reading the clock",
    file: "libs/agent-shell/src/x.ts",
    code: "export const t = Date.now();",
    forbidden: true,
  },
  {
    name: "the vip-manager's shell loop importing the vip-manager",
    file: "libs/vip-shell/src/x.ts",
    code: 'import "@sentinel-plane/vip-manager";',
    forbidden: true,
  },
  {
    name: "the vip-manager's shell loop arming a Node timer (the simulator could not run it)",
    file: "libs/vip-shell/src/x.ts",
    code: "setInterval(() => undefined, 1);",
    forbidden: true,
  },
  {
    name: "the vip-manager's shell loop reading the clock",
    file: "libs/vip-shell/src/x.ts",
    code: "export const t = performance.now();",
    forbidden: true,
  },
  {
    name: "the data-node's shell loop importing the data-node",
    file: "libs/data-node-shell/src/x.ts",
    code: 'import "@sentinel-plane/data-node";',
    forbidden: true,
  },
  {
    name: "the data-node's shell loop arming a Node timer (the simulator could not run it)",
    file: "libs/data-node-shell/src/x.ts",
    code: "setImmediate(() => undefined);",
    forbidden: true,
  },
  {
    name: "the data-node's shell loop reading the clock",
    file: "libs/data-node-shell/src/x.ts",
    code: "export const t = performance.now();",
    forbidden: true,
  },
  {
    name: "the simulator importing the vip-manager's shell loop",
    file: "libs/testkit/src/x.ts",
    code: 'import "@sentinel-plane/vip-shell";',
    forbidden: false,
  },
  {
    name: "the simulator importing the agent's shell loop",
    file: "libs/testkit/src/x.ts",
    code: 'import "@sentinel-plane/agent-shell";',
    forbidden: false,
  },
  {
    name: "a service importing a lib by name",
    file: "services/data-node/src/x.ts",
    code: 'import "@sentinel-plane/protocol";',
    forbidden: false,
  },
  {
    name: "a lib importing another lib",
    file: "libs/testkit/src/x.ts",
    code: 'import "@sentinel-plane/core";',
    forbidden: false,
  },
];

for (const c of cases) {
  void test(`lint boundary: ${c.name} is ${c.forbidden ? "refused" : "allowed"}`, async () => {
    const found = await violations(c.file, c.code);
    if (c.forbidden) assert.ok(found.length > 0, `expected a violation for ${c.file}: ${c.code}`);
    else assert.deepEqual(found, []);
  });
}
