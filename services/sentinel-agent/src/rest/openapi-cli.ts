// `npm run openapi`: writes openapi/openapi.yaml from the route schemas (see openapi-document.ts).
import { writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { OPENAPI_YAML_PATH, openApiYaml } from "./openapi-document.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const target = `${root}${OPENAPI_YAML_PATH}`;
await writeFile(target, await openApiYaml());
process.stdout.write(`wrote ${target}\n`);
