// Environment overrides over a service's JSON config file, before schema validation: the same
// small vocabulary for every service (data-node, vip-manager), so `SP_*` variables behave alike.
import { readFileSync } from "node:fs";
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

/**
 * A copy of `input` with the overrides every service takes (SP_CLUSTER_ID, SP_LOG_LEVEL, the NATS
 * ones) and the service's own (`own`) applied over it: the shared names cannot drift apart.
 */
export function withEnvOverrides(
  input: JsonObject,
  env: Readonly<Record<string, string | undefined>>,
  own: (out: JsonObject, set: ReturnType<typeof envSetter>) => void,
): JsonObject {
  const out: JsonObject = structuredClone(input);
  const set = envSetter(env);
  set("SP_CLUSTER_ID", (v) => (out["cluster_id"] = v));
  applyNatsEnv(out, set);
  set("SP_LOG_LEVEL", (v) => (out["log_level"] = v));
  own(out, set);
  return out;
}

/**
 * A service's `applyEnv` (its JsonConfigLoader's): a copy of the file's object with the overrides
 * every service takes, then `own`, the service's own. Numbers stay numbers only when they parse
 * as such (envNumber).
 */
export function serviceEnvOverrides(
  own: (out: JsonObject, set: ReturnType<typeof envSetter>) => void,
): (input: JsonObject, env: Readonly<Record<string, string | undefined>>) => JsonObject {
  return (input, env) => withEnvOverrides(input, env, own);
}

/** The NATS overrides every service takes: SP_NATS_SERVERS/USER/PASS/TOKEN into `nats`. */
export function applyNatsEnv(out: JsonObject, set: ReturnType<typeof envSetter>): void {
  set("SP_NATS_SERVERS", (v) => (jsonSection(out, "nats")["servers"] = envList(v)));
  set("SP_NATS_USER", (v) => (jsonSection(out, "nats")["user"] = v));
  set("SP_NATS_PASS", (v) => (jsonSection(out, "nats")["pass"] = v));
  set("SP_NATS_TOKEN", (v) => (jsonSection(out, "nats")["token"] = v));
  applyTlsEnv(out, "nats", "SP_NATS_TLS", set);
}

/**
 * `<prefix>_CA_FILE`, `_CERT_FILE`, `_KEY_FILE`, `_KEY_PASS` into `<section>.tls` (e.g.
 * SP_NATS_TLS_CA_FILE into nats.tls.ca_file): the same names for every service and link.
 */
export function applyTlsEnv(
  out: JsonObject,
  section: string,
  prefix: string,
  set: ReturnType<typeof envSetter>,
): void {
  for (const field of ["ca_file", "cert_file", "key_file", "key_pass"]) {
    set(
      `${prefix}_${field.toUpperCase()}`,
      (v) => (jsonSection(jsonSection(out, section), "tls")[field] = v),
    );
  }
}

/** A service's `configPath(argv, env)`: configFileArg with its own variable. */
export function configPathFrom(
  env_name: string,
): (argv: readonly string[], env: Readonly<Record<string, string | undefined>>) => string | null {
  return (argv, env) => configFileArg(argv, env, env_name);
}

/** `--config <path>` or `--config=<path>` from argv, else the variable `env_name`, else null. */
export function configFileArg(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  env_name: string,
): string | null {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--config") return argv[i + 1] ?? null;
    if (arg.startsWith("--config=")) return arg.slice("--config=".length);
  }
  return env[env_name] ?? null;
}

/** A JSON config file whose top level is an object; failures say `path: reason`. */
export function readJsonConfigFile(
  path: string,
): { readonly ok: true; readonly value: JsonObject } | { readonly ok: false; readonly reason: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    return {
      ok: false,
      reason: `${path}: cannot read: ${cause instanceof Error ? cause.message : String(cause)}`,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    return {
      ok: false,
      reason: `${path}: not JSON: ${cause instanceof Error ? cause.message : String(cause)}`,
    };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, reason: `${path}: /: must be an object` };
  }
  return { ok: true, value: parsed as JsonObject };
}
