// The data-node's configuration: a JSON file (`--config path` or SP_DATA_NODE_CONFIG) with env
// overrides, validated by a TypeBox schema. A bad configuration is refused at start with the
// offending path and the reason; it is never re-read at run time.
import { Type } from "typebox";
import type { Static } from "typebox";
import { Compile } from "typebox/compile";
import {
  Id,
  NatsSectionSchema,
  ok,
  Port,
  ServiceLogLevelSchema,
  TlsFilesSchema,
} from "@sentinel-plane/protocol";
import type { Result, ServiceLogLevel } from "@sentinel-plane/protocol";
import {
  applyTlsEnv,
  checkServiceConfig,
  configPathFrom,
  loadJsonConfig,
  readConfiguredTls,
  envNumber,
  jsonSection,
  serviceEnvOverrides,
} from "@sentinel-plane/runtime";
import type { NatsSection, TlsFiles, TlsMaterial } from "@sentinel-plane/runtime";

const PositiveMs = Type.Integer({ minimum: 1, maximum: 3_600_000 });
const NonEmpty = Type.String({ minLength: 1 });

export const DataNodeConfigSchema = Type.Object(
  {
    node_id: Id,
    cluster_id: Id,
    nats: NatsSectionSchema,
    redis: Type.Object(
      {
        host: Type.Optional(NonEmpty),
        port: Port,
        /** The default user's password (`requirepass`), or the ACL user's password with `user`. */
        password: Type.Optional(Type.String()),
        user: Type.Optional(NonEmpty),
        /** Not used by the data-node itself: documented here for the replicas' own config. */
        masterauth: Type.Optional(Type.String()),
        masteruser: Type.Optional(NonEmpty),
        /** `port` is then redis-server's tls-port: CA (and client certificate) to connect with. */
        tls: Type.Optional(TlsFilesSchema),
      },
      { additionalProperties: false },
    ),
    mode: Type.Union([Type.Literal("attach"), Type.Literal("supervise")]),
    redis_server_path: Type.Optional(NonEmpty),
    redis_config_path: Type.Optional(NonEmpty),
    /** supervise: start redis-server fenced, so a restarted old primary takes no write. */
    start_fenced: Type.Optional(Type.Boolean()),
    /** supervise: restart a crashed redis-server (default true), see libs/core/src/data-node/restart-policy.ts. */
    restart_on_exit: Type.Optional(Type.Boolean()),
    /** The first delay after a crash; doubled after each one up to restart_backoff_max_ms. */
    restart_delay_ms: Type.Optional(PositiveMs),
    restart_backoff_max_ms: Type.Optional(PositiveMs),
    /** A server that ran this long was stable: the next crash waits restart_delay_ms again. */
    restart_stable_after_ms: Type.Optional(PositiveMs),
    /** This many exits within crash_loop_window_ms: restarts stop (state crash_loop). */
    crash_loop_max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    crash_loop_window_ms: Type.Optional(PositiveMs),
    /** The crashed committed primary waits this long for another primary, then starts held. */
    restart_primary_wait_ms: Type.Optional(PositiveMs),
    /** SIGTERM of a primary's data-node: switch over first, for at most this long (0 = off). */
    shutdown_switchover_timeout_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /**
     * A planned stop's SIGTERM, then SIGKILL after this long. Above Redis's shutdown-timeout (10 s
     * by default): a primary with a lagging replica waits that long for it before it exits, and a
     * SIGKILL during that wait is a crash to the next start (restart-plan.ts), which then waits
     * for another primary instead of starting the server. Add the RDB save's time if `save` is set.
     */
    stop_grace_ms: Type.Optional(PositiveMs),
    /**
     * supervise: the Redis watchdog beside redis-server (libs/core data-node watchdog.ts, default
     * "on"): it kills a server still writable at its lease's end when this data-node is dead or
     * hung. Attach mode has none.
     */
    watchdog: Type.Optional(Type.Union([Type.Literal("on"), Type.Literal("off")])),
    /** Where the accepted epoch is persisted (one directory per data-node). */
    state_dir: NonEmpty,
    /** The address reported to the control plane; defaults to redis.host/redis.port. */
    announce_host: Type.Optional(NonEmpty),
    announce_port: Type.Optional(Port),
    report_interval_ms: Type.Optional(PositiveMs),
    poll_interval_ms: Type.Optional(PositiveMs),
    probe_timeout_ms: Type.Optional(PositiveMs),
    command_timeout_ms: Type.Optional(PositiveMs),
    commands_in_flight_max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    /** The master (Sentinel's name) this node belongs to: its committed topology is followed. */
    master_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Fence a writable master that has not answered a probe for this long (0 = off). */
    hang_fence_after_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /** Fence a writable master when NATS has not answered a round trip for this long (0 = off). */
    lease_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    /**
     * Strict mode (strict-mode.ts, 0 = off): fence the primary when no replica acknowledged its
     * writes for this long. Refuses writes rather than lose more than about this much.
     */
    min_replicas_max_lag_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    /** Strict mode: replicas that must acknowledge (Redis's min-replicas-to-write). */
    min_replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /**
     * Failsafe (libs/core data-node lease-channel.ts): while NATS is unreachable, ask these agents
     * for the write lease directly, on their REST port, with a token of the lease role.
     */
    failsafe: Type.Optional(
      Type.Object(
        {
          /** Default true; false: fence on the lease when NATS is away, as before. */
          enabled: Type.Optional(Type.Boolean()),
          /** Every agent's REST base URL (`http://host:port`): all of them, a majority must answer. */
          agents: Type.Array(Type.String({ pattern: "^https?://[^\\s/]+$" }), { minItems: 1, maxItems: 32 }),
          /** Its own REST token of the lease role (the agents' `rest-token <token> lease <this node_id>`). */
          token: Type.String({ minLength: 16 }),
          /** One direct request's bound (default: lease_ms / 2). */
          timeout_ms: Type.Optional(PositiveMs),
        },
        { additionalProperties: false },
      ),
    ),
    log_level: Type.Optional(ServiceLogLevelSchema),
  },
  { additionalProperties: false },
);

export type DataNodeConfigInput = Static<typeof DataNodeConfigSchema>;

/** The configuration with every default applied: what the service runs with. */
export interface DataNodeConfig {
  readonly node_id: string;
  readonly cluster_id: string;
  readonly nats: NatsSection;
  readonly redis: {
    readonly host: string;
    readonly port: number;
    readonly password?: string;
    readonly user?: string;
    readonly tls?: TlsMaterial;
    /** The files `tls` was read from: the watchdog's orphan fence runs redis-cli with them. */
    readonly tls_files?: TlsFiles;
  };
  readonly mode: "attach" | "supervise";
  readonly supervise: {
    readonly redis_server_path: string;
    readonly redis_config_path: string;
    readonly start_fenced: boolean;
    readonly restart_on_exit: boolean;
    readonly restart_delay_ms: number;
    readonly restart_backoff_max_ms: number;
    readonly restart_stable_after_ms: number;
    readonly crash_loop_max: number;
    readonly crash_loop_window_ms: number;
    readonly restart_primary_wait_ms: number;
    readonly shutdown_switchover_timeout_ms: number;
    readonly stop_grace_ms: number;
    /** The Redis watchdog (watchdog.ts); on by default. */
    readonly watchdog: "on" | "off";
  } | null;
  readonly state_dir: string;
  readonly announce: { readonly host: string; readonly port: number };
  readonly report_interval_ms: number;
  readonly poll_interval_ms: number;
  readonly probe_timeout_ms: number;
  readonly command_timeout_ms: number;
  readonly commands_in_flight_max: number;
  /** Null: the committed topology is not followed (rule 1 of self-fencing is off). */
  readonly master_name: string | null;
  /** 0 = off. Must be below the agents' down-after-milliseconds. */
  readonly hang_fence_after_ms: number;
  /** 0 = off. Must be below the agents' down-after-milliseconds. */
  readonly lease_ms: number;
  /** 0 = off (the default). Strict mode: see strict-mode.ts. */
  readonly min_replicas_max_lag_ms: number;
  readonly min_replicas: number;
  /** Null: no agents configured, or turned off (failsafe.enabled false). */
  readonly failsafe: {
    readonly agents: readonly string[];
    readonly token: string;
    readonly timeout_ms: number;
  } | null;
  readonly log_level: ServiceLogLevel;
}

export const DEFAULTS = {
  report_interval_ms: 1000,
  poll_interval_ms: 100,
  probe_timeout_ms: 500,
  command_timeout_ms: 2000,
  commands_in_flight_max: 16,
  hang_fence_after_ms: 500,
  lease_ms: 500,
  restart_delay_ms: 1000,
  restart_backoff_max_ms: 30_000,
  restart_stable_after_ms: 60_000,
  crash_loop_max: 5,
  crash_loop_window_ms: 600_000,
  restart_primary_wait_ms: 30_000,
  shutdown_switchover_timeout_ms: 30_000,
  stop_grace_ms: 15_000,
} as const;

const validator = Compile(DataNodeConfigSchema);

/** Env overrides over the file: this service's own (serviceEnvOverrides adds the shared ones). */
export const applyEnv = serviceEnvOverrides((out, set) => {
  set("SP_NODE_ID", (v) => (out["node_id"] = v));
  set("SP_REDIS_HOST", (v) => (jsonSection(out, "redis")["host"] = v));
  set("SP_REDIS_PORT", (v) => (jsonSection(out, "redis")["port"] = envNumber(v)));
  set("SP_REDIS_PASSWORD", (v) => (jsonSection(out, "redis")["password"] = v));
  set("SP_REDIS_USER", (v) => (jsonSection(out, "redis")["user"] = v));
  applyTlsEnv(out, "redis", "SP_REDIS_TLS", set);
  set("SP_MODE", (v) => (out["mode"] = v));
  set("SP_REDIS_SERVER_PATH", (v) => (out["redis_server_path"] = v));
  set("SP_REDIS_CONFIG_PATH", (v) => (out["redis_config_path"] = v));
  set("SP_STATE_DIR", (v) => (out["state_dir"] = v));
  set("SP_MASTER_NAME", (v) => (out["master_name"] = v));
  set("SP_HANG_FENCE_AFTER_MS", (v) => (out["hang_fence_after_ms"] = envNumber(v)));
  set("SP_LEASE_MS", (v) => (out["lease_ms"] = envNumber(v)));
  set(
    "SP_FAILSAFE_AGENTS",
    (v) => (jsonSection(out, "failsafe")["agents"] = v.split(",").map((a) => a.trim())),
  );
  set("SP_FAILSAFE_TOKEN", (v) => (jsonSection(out, "failsafe")["token"] = v));
  set("SP_SHUTDOWN_SWITCHOVER_TIMEOUT_MS", (v) => (out["shutdown_switchover_timeout_ms"] = envNumber(v)));
});

/** Validates and fills defaults. `source` names where the input came from, for the message. */
export function resolveConfig(input: unknown, source: string): Result<DataNodeConfig> {
  const checked = checkServiceConfig(validator, input, source, crossFieldError);
  if (!checked.ok) return checked;
  const c = checked.value.input;
  const host = c.redis.host ?? "127.0.0.1";
  const redis_tls = readConfiguredTls(c.redis.tls, `${source}: /redis/tls`);
  if (!redis_tls.ok) return redis_tls;
  return ok({
    node_id: c.node_id,
    cluster_id: c.cluster_id,
    nats: checked.value.nats,
    redis: {
      host,
      port: c.redis.port,
      ...(c.redis.password === undefined ? {} : { password: c.redis.password }),
      ...(c.redis.user === undefined ? {} : { user: c.redis.user }),
      ...(redis_tls.value === undefined || c.redis.tls === undefined
        ? {}
        : { tls: redis_tls.value, tls_files: c.redis.tls }),
    },
    mode: c.mode,
    supervise: c.mode === "supervise" ? superviseSection(c) : null,
    state_dir: c.state_dir,
    announce: { host: c.announce_host ?? host, port: c.announce_port ?? c.redis.port },
    report_interval_ms: c.report_interval_ms ?? DEFAULTS.report_interval_ms,
    poll_interval_ms: c.poll_interval_ms ?? DEFAULTS.poll_interval_ms,
    probe_timeout_ms: c.probe_timeout_ms ?? DEFAULTS.probe_timeout_ms,
    command_timeout_ms: c.command_timeout_ms ?? DEFAULTS.command_timeout_ms,
    commands_in_flight_max: c.commands_in_flight_max ?? DEFAULTS.commands_in_flight_max,
    master_name: c.master_name ?? null,
    hang_fence_after_ms: c.hang_fence_after_ms ?? DEFAULTS.hang_fence_after_ms,
    lease_ms: c.lease_ms ?? DEFAULTS.lease_ms,
    min_replicas_max_lag_ms: c.min_replicas_max_lag_ms ?? 0,
    min_replicas: c.min_replicas ?? 1,
    failsafe: failsafeSection(c),
    log_level: c.log_level ?? "info",
  });
}

/** What the schema cannot say: rules between fields, as `/field: reason` (null: none broken). */
function crossFieldError(c: DataNodeConfigInput): string | null {
  if (c.mode === "supervise" && c.redis_config_path === undefined) {
    return `/redis_config_path: required when mode is "supervise"`;
  }
  if (c.mode === "attach" && c.watchdog === "on") {
    return `/watchdog: "on" needs mode "supervise" (attach mode has no watchdog: the server is not ours to kill)`;
  }
  const probe_timeout_ms = c.probe_timeout_ms ?? DEFAULTS.probe_timeout_ms;
  const command_timeout_ms = c.command_timeout_ms ?? DEFAULTS.command_timeout_ms;
  if (probe_timeout_ms > command_timeout_ms) {
    return `/probe_timeout_ms: must be <= command_timeout_ms (${command_timeout_ms})`;
  }
  // A probe rejected by the client's command timeout stops counting as unanswered: the hang
  // must be seen before that.
  if ((c.hang_fence_after_ms ?? DEFAULTS.hang_fence_after_ms) >= command_timeout_ms) {
    return `/hang_fence_after_ms: must be < command_timeout_ms (${command_timeout_ms})`;
  }
  const restart_delay_ms = c.restart_delay_ms ?? DEFAULTS.restart_delay_ms;
  if ((c.restart_backoff_max_ms ?? DEFAULTS.restart_backoff_max_ms) < restart_delay_ms) {
    return `/restart_backoff_max_ms: must be >= restart_delay_ms (${restart_delay_ms})`;
  }
  return null;
}

function superviseSection(c: DataNodeConfigInput): NonNullable<DataNodeConfig["supervise"]> {
  return {
    redis_server_path: c.redis_server_path ?? "redis-server",
    redis_config_path: c.redis_config_path ?? "",
    start_fenced: c.start_fenced ?? true,
    restart_on_exit: c.restart_on_exit ?? true,
    restart_delay_ms: c.restart_delay_ms ?? DEFAULTS.restart_delay_ms,
    restart_backoff_max_ms: c.restart_backoff_max_ms ?? DEFAULTS.restart_backoff_max_ms,
    restart_stable_after_ms: c.restart_stable_after_ms ?? DEFAULTS.restart_stable_after_ms,
    crash_loop_max: c.crash_loop_max ?? DEFAULTS.crash_loop_max,
    crash_loop_window_ms: c.crash_loop_window_ms ?? DEFAULTS.crash_loop_window_ms,
    restart_primary_wait_ms: c.restart_primary_wait_ms ?? DEFAULTS.restart_primary_wait_ms,
    shutdown_switchover_timeout_ms:
      c.shutdown_switchover_timeout_ms ?? DEFAULTS.shutdown_switchover_timeout_ms,
    stop_grace_ms: c.stop_grace_ms ?? DEFAULTS.stop_grace_ms,
    watchdog: c.watchdog ?? "on",
  };
}

function failsafeSection(c: DataNodeConfigInput): DataNodeConfig["failsafe"] {
  if (c.failsafe === undefined || c.failsafe.enabled === false) return null;
  return {
    agents: c.failsafe.agents,
    token: c.failsafe.token,
    timeout_ms: c.failsafe.timeout_ms ?? Math.max(1, Math.floor((c.lease_ms ?? DEFAULTS.lease_ms) / 2)),
  };
}

const CONFIG_ENV = "SP_DATA_NODE_CONFIG";

/** The config path from `--config path` / `--config=path`, else SP_DATA_NODE_CONFIG. */
export const configPath = configPathFrom(CONFIG_ENV);

export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Result<DataNodeConfig> {
  return loadJsonConfig(argv, env, { env_name: CONFIG_ENV, applyEnv, resolve: resolveConfig });
}
