// What one agent is, read before anything opens: sentinel.conf (with the environment's overrides
// and a generated myid when it has none), its TLS material, the persisted state file, and the
// address it announces. Every start-up check of identity and files belongs here.
import { accessSync, constants as fsConstants } from "node:fs";
import { readFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { Address, PersistedState } from "@sentinel-plane/core";
import type { Logger } from "@sentinel-plane/runtime";
import {
  applyEnvOverrides,
  ensureMyid,
  MYID_RANDOM_BYTES,
  parseSentinelConf,
  toPersistedState,
} from "../config/index.js";
import type { ConfigDocument, PlaneSettings, SentinelConfig } from "../config/index.js";
import { checkNatsUserMyid, stateForConfMyid } from "../myid-authority.js";
import { JsonStateFile } from "../state-file.js";
import { announcedSentinelPort, setupAgentTls } from "../tls-setup.js";
import type { AgentTls } from "../tls-setup.js";
import type { EarlyPort } from "../resp/early-port.js";

export interface StartOptions {
  readonly config_path: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** The Sentinel port main.ts bound at process start (resp/early-port.ts), if any. */
  readonly early_port?: EarlyPort | null;
}

export class StartError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface AgentBase {
  readonly options: StartOptions;
  readonly logger: Logger;
  /** sentinel.conf as in the file (with its myid): what a config rewrite starts from. */
  readonly file_config: SentinelConfig;
  /** The file's parsed lines, kept so a rewrite preserves what it does not own. */
  readonly document: ConfigDocument;
  /** The file had no myid: one was generated and must be written back. */
  readonly generated_myid: boolean;
  /** The file's config with the environment's overrides: what the agent runs with. */
  readonly config: SentinelConfig;
  readonly plane: PlaneSettings;
  readonly myid: string;
  readonly tls: AgentTls;
  readonly state_file: JsonStateFile;
  readonly persisted: PersistedState;
  readonly announce: Address;
  /** The agent's monotonic clock (ms, from 1), started once the files are read. */
  readonly now_ms: () => number;
}

export async function loadAgentBase(options: StartOptions): Promise<AgentBase> {
  const loaded = await loadConfig(options.config_path, options.env);
  const config = loaded.effective;
  const myid = config.myid;
  if (myid === null) throw new StartError("SP_ERR_CONFIG_INVALID", "no myid"); // ensureMyid gave one
  const nats_user_check = checkNatsUserMyid(config.plane.nats_user, myid);
  if (!nats_user_check.ok) throw new StartError(nats_user_check.error.code, nats_user_check.error.message);
  const tls_setup = setupAgentTls(config); // every certificate read now: a bad file stops the start
  if (!tls_setup.ok) throw new StartError(tls_setup.error.code, tls_setup.error.message);
  const plane = config.plane;
  const state_dir = plane.state_dir ?? dirname(options.config_path);
  const state_file = new JsonStateFile(join(state_dir, "sentinel-plane-state.json"));
  const persisted = (await stateUnderConfMyid(state_file, myid, options.logger)) ?? toPersistedState(config);
  const started = performance.now();
  return {
    options,
    logger: options.logger,
    file_config: loaded.file,
    document: loaded.document,
    generated_myid: loaded.generated_myid,
    config,
    plane,
    myid,
    tls: tls_setup.value,
    state_file,
    persisted,
    announce: {
      host: config.announce_ip ?? config.server.bind?.[0] ?? "127.0.0.1",
      port: config.announce_port ?? announcedSentinelPort(config),
    },
    now_ms: () => Math.floor(performance.now() - started) + 1,
  };
}

/**
 * The state file's content under sentinel.conf's myid (myid-authority.ts): a state written under
 * another id is rewritten at once, so that the file never disagrees with the running agent.
 */
async function stateUnderConfMyid(
  state_file: JsonStateFile,
  myid: string,
  logger: Logger,
): Promise<PersistedState | null> {
  const loaded = await state_file.load();
  if (loaded === null) return null;
  const adopted = stateForConfMyid(loaded, myid);
  if (adopted.replaced_myid === null) return loaded;
  logger.warn(
    { event: "state_myid_replaced", previous_myid: adopted.replaced_myid, myid, state_file: state_file.path },
    "the state file's myid differs from sentinel.conf's: the state follows sentinel.conf (epochs and votes kept)",
  );
  await state_file.save(adopted.state);
  return adopted.state;
}

async function loadConfig(
  path: string,
  env: StartOptions["env"],
): Promise<{
  file: SentinelConfig;
  document: ConfigDocument;
  effective: SentinelConfig;
  generated_myid: boolean;
}> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new StartError("SP_ERR_CONFIG_INVALID", `cannot read ${path}: ${String(error)}`);
  }
  const parsed = parseSentinelConf(text, {
    source: path,
    isExecutable: (script, dir) => isExecutable(isAbsolute(script) ? script : resolve(dir ?? ".", script)),
  });
  if (!parsed.ok) throw new StartError(parsed.error.code, parsed.error.message);
  const with_id = ensureMyid(parsed.value.config, () => randomBytes(MYID_RANDOM_BYTES));
  const overridden = applyEnvOverrides(with_id, env);
  if (!overridden.ok) throw new StartError(overridden.error.code, overridden.error.message);
  return {
    file: with_id,
    document: parsed.value.document,
    effective: overridden.value.config,
    generated_myid: parsed.value.config.myid === null,
  };
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
