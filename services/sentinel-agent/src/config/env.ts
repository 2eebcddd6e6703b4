// SP_* environment variables override the file (containers set them; the file stays the one an
// operator migrated). Apply them to the parsed model to get the agent's effective settings, but
// render the file from the model *without* them, so an override is never written into the file.
import type { Result } from "./errors.js";
import { ProblemList } from "./errors.js";
import type { PlaneSettings, SentinelConfig, ServerSettings } from "./model.js";
import { TLS_ENV } from "./tls-directives.js";
import { parseClusterId, parseNatsServers, parseNonEmpty, parseRestToken } from "./plane-directives.js";
import type { ValueResult } from "./values.js";
import { parseHost, parsePort, parseRestRateLimit, parseTopologyReplicas } from "./values.js";

export type Env = Readonly<Record<string, string | undefined>>;

interface Override {
  readonly variable: string;
  apply(value: string, config: SentinelConfig): ValueResult<SentinelConfig>;
}

function plane<K extends keyof PlaneSettings>(
  variable: string,
  field: K,
  parse: (value: string) => ValueResult<PlaneSettings[K]>,
): Override {
  return {
    variable,
    apply: (value, config) => {
      const v = parse(value);
      return v.ok ? { ok: true, value: { ...config, plane: { ...config.plane, [field]: v.value } } } : v;
    },
  };
}

function server<K extends keyof ServerSettings>(
  variable: string,
  field: K,
  parse: (value: string) => ValueResult<ServerSettings[K]>,
): Override {
  return {
    variable,
    apply: (value, config) => {
      const v = parse(value);
      return v.ok ? { ok: true, value: { ...config, server: { ...config.server, [field]: v.value } } } : v;
    },
  };
}

/** The variables, in the order they are applied. */
export const ENV_OVERRIDES: readonly Override[] = [
  plane("SP_NATS_SERVERS", "nats_servers", (v) => parseNatsServers([v])),
  plane("SP_NATS_USER", "nats_user", (v) => parseNonEmpty(v, "a username")),
  plane("SP_NATS_PASS", "nats_pass", (v) => parseNonEmpty(v, "a password")),
  plane("SP_NATS_TOKEN", "nats_token", (v) => parseNonEmpty(v, "a token")),
  plane("SP_CLUSTER_ID", "cluster_id", parseClusterId),
  plane("SP_REST_PORT", "rest_port", parsePort),
  plane("SP_REST_TOKEN", "rest_token", parseRestToken),
  plane("SP_REST_RATE_LIMIT", "rest_rate_limit", parseRestRateLimit),
  plane("SP_STATE_DIR", "state_dir", (v) => parseNonEmpty(v, "a directory")),
  plane("SP_TOPOLOGY_REPLICAS", "topology_replicas", parseTopologyReplicas),
  server("SP_SENTINEL_PORT", "port", parsePort),
  // The Sentinel port's password (requirepass) from a secret, not the file (compose).
  server("SP_REQUIREPASS", "requirepass", (v) => parseNonEmpty(v, "a password")),
  {
    variable: "SP_ANNOUNCE_IP",
    apply: (value, config) => {
      const v = parseHost(value, true);
      return v.ok ? { ok: true, value: { ...config, announce_ip: v.value } } : v;
    },
  },
  {
    variable: "SP_ANNOUNCE_PORT",
    apply: (value, config) => {
      const v = parsePort(value);
      return v.ok ? { ok: true, value: { ...config, announce_port: v.value } } : v;
    },
  },
  ...TLS_ENV.map(([variable, field, parse]): Override => ({
    variable,
    apply: (value, config) => {
      const v = parse(value);
      return v.ok ? { ok: true, value: { ...config, tls: { ...config.tls, [field]: v.value } } } : v;
    },
  })),
];

export interface EnvApplied {
  readonly config: SentinelConfig;
  /** Names of the variables that overrode something, for the start-up log. */
  readonly applied: readonly string[];
}

/** An unset or empty variable leaves the file's value (compose files often pass empty ones). */
export function applyEnvOverrides(config: SentinelConfig, env: Env): Result<EnvApplied> {
  const problems = new ProblemList();
  const applied: string[] = [];
  let current = config;
  for (const o of ENV_OVERRIDES) {
    const raw = env[o.variable];
    if (raw === undefined || raw === "") continue;
    const next = o.apply(raw, current);
    if (next.ok) {
      current = next.value;
      applied.push(o.variable);
    } else {
      problems.add({ source: "env", line: null, directive: o.variable, reason: next.reason });
    }
  }
  const error = problems.toError();
  return error === null ? { ok: true, value: { config: current, applied } } : { ok: false, error };
}
