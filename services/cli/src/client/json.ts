// Reading parsed JSON (`unknown`) without casts. (@sentinel-plane/protocol has isJsonObject too;
// the CLI does not load it for every command: it brings TypeBox.)

/** Not null, an object or an array (what may be indexed by a key). */
export function isIndexable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return isIndexable(value) && !Array.isArray(value);
}

/** The object, or an empty one for anything else. */
export function objectOf(value: unknown): Record<string, unknown> {
  return isJsonObject(value) ? value : {};
}

/** The array, or an empty one for anything else. */
export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
