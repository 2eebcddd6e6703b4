import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { OPENAPI_YAML_PATH, openApiYaml } from "./openapi-document.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

void test("openapi/openapi.yaml is what the code produces (regenerate with `npm run openapi`)", async () => {
  const checked_in = await readFile(`${root}${OPENAPI_YAML_PATH}`, "utf8");
  const produced = await openApiYaml();
  if (checked_in !== produced) {
    const a = checked_in.split("\n");
    const b = produced.split("\n");
    const line = a.findIndex((text, i) => text !== b[i]);
    assert.fail(
      `openapi/openapi.yaml differs from the code at line ${line + 1}:\n` +
        `  file: ${a[line] ?? "(end)"}\n  code: ${b[line] ?? "(end)"}\nrun \`npm run openapi\``,
    );
  }
});
