// How every service (data-node, vip-manager) loads its configuration: the JSON file named by
// `--config` or its SP_*_CONFIG variable, the `SP_*` overrides over it, then the checks every
// service makes (schema, rules between fields, `nats` section) before its own defaults. One path,
// so a missing file, bad JSON, an override or a refused field reads the same in each service.
import { describeErrors, err, ok, spError } from "@sentinel-plane/protocol";
import type { NatsSectionInput, Result, SpError } from "@sentinel-plane/protocol";
import { configFileArg, readJsonConfigFile } from "./config-env.js";
import type { JsonObject } from "./config-env.js";
import { resolveNatsSection } from "./nats-section.js";
import type { NatsSection } from "./nats-section.js";

type Env = Readonly<Record<string, string | undefined>>;

/** A configuration refused (HTTP 400 in the protocol's registry): `reason` says where and why. */
export function configInvalid(reason: string): { readonly ok: false; readonly error: SpError } {
  return err(spError("SP_ERR_CONFIG_INVALID", [reason]));
}

export interface JsonConfigLoader<T> {
  /** The variable naming the file when argv has no `--config`. */
  readonly env_name: string;
  /** The service's env overrides over the file's object (a copy; the input is left as it is). */
  readonly applyEnv: (input: JsonObject, env: Env) => JsonObject;
  /** Validates and fills defaults; `source` names where the input came from, for the message. */
  readonly resolve: (input: JsonObject, source: string) => Result<T>;
}

/** No file named: the environment alone; else the file with the environment over it. */
export function loadJsonConfig<T>(argv: readonly string[], env: Env, loader: JsonConfigLoader<T>): Result<T> {
  const path = configFileArg(argv, env, loader.env_name);
  let file_input: JsonObject = {};
  if (path !== null) {
    const read = readJsonConfigFile(path);
    if (!read.ok) return configInvalid(read.reason);
    file_input = read.value;
  }
  return loader.resolve(
    loader.applyEnv(file_input, env),
    path === null ? "environment" : `${path} (+ environment)`,
  );
}

/** A service's compiled config schema (typebox/compile's Validator): its type guard and its errors. */
export interface ConfigSchemaCheck<T> {
  Check(value: unknown): value is T;
  Errors(value: unknown): Parameters<typeof describeErrors>[0];
}

/** A service config that passed checkServiceConfig: the schema's input and its resolved `nats`. */
export interface CheckedServiceConfig<T> {
  readonly input: T;
  readonly nats: NatsSection;
}

/**
 * The steps every service's config takes before its own defaults: the schema, then the rules
 * between fields the schema cannot state (`fieldRules`: the first one broken as `/field: reason`,
 * null when none is), then the `nats` section. A failure reads `source: /field: reason`.
 */
export function checkServiceConfig<T extends { readonly nats: NatsSectionInput }>(
  schema: ConfigSchemaCheck<T>,
  input: unknown,
  source: string,
  fieldRules: (input: T) => string | null,
): Result<CheckedServiceConfig<T>> {
  if (!schema.Check(input)) return configInvalid(`${source}: ${describeErrors(schema.Errors(input))}`);
  const broken = fieldRules(input);
  if (broken !== null) return configInvalid(`${source}: ${broken}`);
  const nats = resolveNatsSection(input.nats, source);
  if (!nats.ok) return nats;
  return ok({ input, nats: nats.value });
}
