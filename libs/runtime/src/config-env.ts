// Environment overrides over a service's JSON config file, before schema validation: the same
// small vocabulary for every service (data-node, vip-manager), so `SP_*` variables behave alike.
export type JsonObject = Record<string, unknown>;

/** The object under `key`, created when absent (or replaced when not an object). */
export function jsonSection(target: JsonObject, key: string): JsonObject {
  const existing = target[key];
  if (typeof existing === "object" && existing !== null && !Array.isArray(existing))
    return existing as JsonObject;
  const created: JsonObject = {};
  target[key] = created;
  return created;
}

/** A number when the text is an integer, else the text (the schema then says what is wrong). */
export function envNumber(value: string): number | string {
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

/** A comma-separated list, trimmed, without empty items. */
export function envList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** `set(name, apply)` calls `apply` with the variable's value when it is set and not empty. */
export function envSetter(
  env: Readonly<Record<string, string | undefined>>,
): (name: string, apply: (value: string) => void) => void {
  return (name, apply) => {
    const value = env[name];
    if (value !== undefined && value !== "") apply(value);
  };
}

/** The NATS overrides every service takes: SP_NATS_SERVERS/USER/PASS/TOKEN into `nats`. */
export function applyNatsEnv(out: JsonObject, set: ReturnType<typeof envSetter>): void {
  set("SP_NATS_SERVERS", (v) => (jsonSection(out, "nats")["servers"] = envList(v)));
  set("SP_NATS_USER", (v) => (jsonSection(out, "nats")["user"] = v));
  set("SP_NATS_PASS", (v) => (jsonSection(out, "nats")["pass"] = v));
  set("SP_NATS_TOKEN", (v) => (jsonSection(out, "nats")["token"] = v));
}
