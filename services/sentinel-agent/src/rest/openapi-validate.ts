// Checks a response against the OpenAPI document (tests): finds the operation and the response
// entry for the status (exact, else `4XX`/`5XX`), resolves the component $refs and compiles the
// schema with TypeBox. Returns the validation errors (empty: valid).
import { Compile } from "typebox/compile";
import type { TSchema } from "typebox";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function deref(node: Json, schemas: JsonObject, depth: number): Json {
  if (depth > 64) throw new Error("schema nested too deeply (a $ref cycle?)");
  if (Array.isArray(node)) return node.map((n) => deref(n, schemas, depth + 1));
  if (!isObject(node)) return node;
  const ref = node["$ref"];
  if (typeof ref === "string") {
    const name = ref.replace("#/components/schemas/", "");
    const target = schemas[name];
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    return deref(target, schemas, depth + 1);
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = deref(v, schemas, depth + 1);
  return out;
}

export interface ResponseCheck {
  readonly method: string;
  /** The OpenAPI path (`/v1/masters/{name}`). */
  readonly path: string;
  readonly status: number;
  readonly content_type: string;
  readonly body: unknown;
}

export function openApiValidator(document: unknown): (check: ResponseCheck) => string[] {
  const doc = document as JsonObject;
  const components = isObject(doc["components"]) ? doc["components"] : {};
  const schemas = isObject(components["schemas"]) ? components["schemas"] : {};
  const paths = isObject(doc["paths"]) ? doc["paths"] : {};
  return (check) => {
    const item = paths[check.path];
    if (!isObject(item)) return [`no path ${check.path} in the document`];
    const operation = item[check.method.toLowerCase()];
    if (!isObject(operation) || !isObject(operation["responses"])) {
      return [`no operation ${check.method} ${check.path}`];
    }
    const responses = operation["responses"];
    const entry = responses[String(check.status)] ?? responses[`${String(check.status)[0] ?? ""}XX`];
    if (!isObject(entry)) return [`status ${check.status} not documented for ${check.method} ${check.path}`];
    const content = entry["content"];
    if (!isObject(content)) return check.body === undefined ? [] : ["no content documented"];
    const media = check.content_type.split(";")[0]?.trim() ?? "";
    const typed = content[media];
    if (!isObject(typed))
      return [`content type ${media} not documented (${Object.keys(content).join(", ")})`];
    const schema = deref(typed["schema"] ?? {}, schemas, 0) as unknown as TSchema;
    const validator = Compile(schema);
    if (validator.Check(check.body)) return [];
    return validator.Errors(check.body).map((e) => `${e.instancePath} ${e.message}`);
  };
}
