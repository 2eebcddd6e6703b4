// How every service (data-node, vip-manager) loads its configuration: the JSON file named by
// `--config` or its SP_*_CONFIG variable, the `SP_*` overrides over it, then the service's own
// validation. One path, so a missing file, bad JSON or an override reads the same in each service.
import { err, spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import { configFileArg, readJsonConfigFile } from "./config-env.js";
import type { JsonObject } from "./config-env.js";

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
