// @fastify/swagger inlines every route schema. Schemas with a `title` (Master, Replica, Problem...)
// are moved to `components/schemas/<title>` and referenced, so the document names its types once
// (Swagger UI and client generators show them by name) and stays readable.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Replaces titled schemas below `node` by $refs, collecting them (innermost first). */
function extract(node: Json, components: JsonObject, depth: number): Json {
  if (depth > 64) throw new Error("openapi document nested too deeply");
  if (Array.isArray(node)) return node.map((item) => extract(item, components, depth + 1));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = extract(value, components, depth + 1);
  const title = out["title"];
  if (typeof title !== "string" || !("type" in out || "anyOf" in out)) return out;
  const known = components[title];
  if (known !== undefined && JSON.stringify(known) !== JSON.stringify(out)) {
    throw new Error(`two different schemas are titled ${title}`);
  }
  components[title] = out;
  return { $ref: `#/components/schemas/${title}` };
}

/** Operations whose body schema has no required field: the body may be left out. */
const OPTIONAL_BODIES: ReadonlySet<string> = new Set(["switchoverMaster"]);

function markOptionalBodies(paths: Json): void {
  if (!isObject(paths)) return;
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const operation of Object.values(item)) {
      if (!isObject(operation) || typeof operation["operationId"] !== "string") continue;
      const body = operation["requestBody"];
      if (OPTIONAL_BODIES.has(operation["operationId"]) && isObject(body)) body["required"] = false;
    }
  }
}

export function extractComponents<T>(document: T): T {
  const doc = JSON.parse(JSON.stringify(document)) as JsonObject;
  const found: JsonObject = {};
  const paths = extract(doc["paths"] ?? {}, found, 0);
  markOptionalBodies(paths);
  const components = isObject(doc["components"]) ? doc["components"] : {};
  const schemas: JsonObject = isObject(components["schemas"]) ? { ...components["schemas"] } : {};
  for (const name of Object.keys(found).sort()) schemas[name] = found[name] ?? null;
  return { ...doc, components: { ...components, schemas }, paths } as T;
}
