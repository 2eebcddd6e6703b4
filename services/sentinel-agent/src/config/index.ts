// Public surface of the agent's configuration: read a Redis sentinel.conf (plus sentinel-plane
// settings), apply SP_* overrides, give the core its inputs, and write the file back.
export type {
  KnownSentinel,
  LogLevel,
  MasterConfig,
  PlaneSettings,
  RenamedCommand,
  SentinelConfig,
  UserLine,
  ServerSettings,
} from "./model.js";
export {
  ELECTION_TIMEOUT_MS_DEFAULT,
  MASTER_SETTINGS_DEFAULT,
  PRE_PROMOTE_TIMEOUT_MS_DEFAULT,
  PLANE_SETTINGS_DEFAULT,
  SENTINEL_CONFIG_DEFAULT,
  SENTINEL_PORT_DEFAULT,
  SERVER_SETTINGS_DEFAULT,
} from "./model.js";
export type { TlsAuthClients, TlsProtocolName, TlsSettings } from "./tls-model.js";
export { TLS_RUNTIME_FILES, TLS_SETTINGS_DEFAULT } from "./tls-model.js";
export type { TlsRuntimeFile } from "./tls-model.js";
export { tlsProblems } from "./tls-directives.js";
export type { ConfigNote, ConfigProblem, Result } from "./errors.js";
export { CONFIG_PROBLEMS_MAX, ConfigInvalidError, formatProblem } from "./errors.js";
export type { ConfigDocument, DocumentLine, ParseOptions, ParsedConfig } from "./parse.js";
export { parseSentinelConf } from "./parse.js";
export { REWRITE_SIGNATURE, renderSentinelConf } from "./render.js";
export type { Env, EnvApplied } from "./env.js";
export { ENV_OVERRIDES, applyEnvOverrides } from "./env.js";
export { MYID_RANDOM_BYTES, ensureMyid, generateMyid, isValidMyid } from "./myid.js";
export { applyPersistedState, configuredMasters, toPersistedState } from "./state.js";
export type { LineTokens, SourceLine } from "./tokenize.js";
export { splitConfigLines, tokenizeLine } from "./tokenize.js";
export { formatArg, formatLine } from "./quote.js";
