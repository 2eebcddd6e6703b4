// The vip-manager's configuration: a JSON file (`--config path` or SP_VIP_MANAGER_CONFIG) with env
// overrides, validated by a TypeBox schema. A bad configuration is refused at start with the
// offending path and the reason; it is never re-read at run time.
import { isIPv4 } from "node:net";
import { Type } from "typebox";
import type { Static } from "typebox";
import { Compile } from "typebox/compile";
import { Id, NatsSectionSchema, ok, ServiceLogLevelSchema } from "@sentinel-plane/protocol";
import type { Result, ServiceLogLevel } from "@sentinel-plane/protocol";
import {
  checkServiceConfig,
  configPathFrom,
  loadJsonConfig,
  envList,
  envNumber,
  jsonSection,
  serviceEnvOverrides,
} from "@sentinel-plane/runtime";
import type { NatsSection } from "@sentinel-plane/runtime";
import type { HookLimits } from "@sentinel-plane/hooks";
import { SENTINEL_HOOK_LIMITS } from "@sentinel-plane/hooks";
import { parseHostAddress } from "@sentinel-plane/vip-shell";
import type { VipConfig } from "@sentinel-plane/vip-shell";
import { dadProbeSpan_ms } from "./vip-controller.js";

const PositiveMs = Type.Integer({ minimum: 1, maximum: 3_600_000 });
const NonEmpty = Type.String({ minLength: 1 });
const AbsolutePath = Type.String({ pattern: "^/", minLength: 2, maxLength: 4096 });
const MasterName = Type.String({ minLength: 1, maxLength: 256 });

const VipSchema = Type.Object(
  {
    master_name: MasterName,
    vip: Type.String({ minLength: 7, maxLength: 15 }),
    prefix_length: Type.Integer({ minimum: 1, maximum: 32 }),
    // IFNAMSIZ: 15 characters; never something `ip` could read as an option.
    interface: Type.String({ pattern: "^[A-Za-z0-9_.:@][A-Za-z0-9_.:@-]{0,14}$" }),
  },
  { additionalProperties: false },
);

const HookLimitsSchema = Type.Object(
  {
    scripts_running_max: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    scripts_queue_max: Type.Optional(Type.Integer({ minimum: 2, maximum: 65_536 })),
    script_runtime_max_ms: Type.Optional(PositiveMs),
    script_runs_max: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
    script_retry_delay_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
  },
  { additionalProperties: false },
);

export const VipManagerConfigSchema = Type.Object(
  {
    cluster_id: Id,
    /** Shown in logs and as the NATS client name; defaults to the OS host name. */
    host_name: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" })),
    nats: NatsSectionSchema,
    /** Timeout of one KV request (read, bucket open). */
    kv_timeout_ms: Type.Optional(PositiveMs),
    /** Replicas of the topology bucket if this process has to create it. */
    kv_replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    /** Redis endpoints on this host: `host:port` (exact) or `host` (any port); IPv6 as `[::1]:6379`. */
    host_addresses: Type.Array(NonEmpty, { maxItems: 256 }),
    vips: Type.Array(VipSchema, { maxItems: 64 }),
    /** Without a successful read of the committed topology for this long, every VIP is released. */
    lease_ms: Type.Optional(PositiveMs),
    /** Re-read the committed record and re-assert every VIP this often. */
    reconcile_interval_ms: Type.Optional(PositiveMs),
    /** On SIGTERM/SIGINT: keep the VIPs (default) or release them. */
    release_on_shutdown: Type.Optional(Type.Boolean()),
    /** How long a clean shutdown waits for hooks still queued or running. */
    shutdown_hooks_wait_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
    hooks: Type.Optional(
      Type.Object(
        {
          client_reconfig_script: Type.Optional(AbsolutePath),
          notification_script: Type.Optional(AbsolutePath),
          /** Masters whose changes run the hooks; default: every master in the bucket. */
          masters: Type.Optional(Type.Array(MasterName, { minItems: 1, maxItems: 1024 })),
          /** The complete environment of the scripts (nothing is inherited). */
          env: Type.Optional(
            Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.String()),
          ),
          cwd: Type.Optional(AbsolutePath),
          limits: Type.Optional(HookLimitsSchema),
        },
        { additionalProperties: false },
      ),
    ),
    ip_path: Type.Optional(NonEmpty),
    arping_path: Type.Optional(NonEmpty),
    /** Prepended to every ip/arping command, e.g. `["sudo", "-n"]`. */
    command_prefix: Type.Optional(Type.Array(NonEmpty, { maxItems: 16 })),
    command_timeout_ms: Type.Optional(PositiveMs),
    arping_count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /**
     * Duplicate address detection before a bind: probes (`arping -D`, one after the other, the
     * first answer ends it) and how long each listens for an answer.
     */
    dad_probes: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    dad_probe_wait_ms: Type.Optional(Type.Integer({ minimum: 5, maximum: 1000 })),
    log_level: Type.Optional(ServiceLogLevelSchema),
  },
  { additionalProperties: false },
);

export type VipManagerConfigInput = Static<typeof VipManagerConfigSchema>;

export interface HooksConfig {
  readonly client_reconfig_script: string | null;
  readonly notification_script: string | null;
  /** null: every master. */
  readonly masters: readonly string[] | null;
  readonly env: Readonly<Record<string, string>> | null;
  readonly cwd: string;
  readonly limits: HookLimits;
}

/** The configuration with every default applied: what the service runs with. */
export interface VipManagerConfig {
  readonly cluster_id: string;
  readonly host_name: string;
  readonly nats: NatsSection;
  readonly kv_timeout_ms: number;
  /** Replicas of the topology bucket; null = 3 on a NATS cluster of 3 or more, else 1. */
  readonly kv_replicas: number | null;
  readonly host_addresses: readonly string[];
  readonly vips: readonly VipConfig[];
  readonly lease_ms: number;
  readonly reconcile_interval_ms: number;
  readonly release_on_shutdown: boolean;
  readonly shutdown_hooks_wait_ms: number;
  readonly hooks: HooksConfig;
  readonly ip_path: string;
  readonly arping_path: string;
  readonly command_prefix: readonly string[];
  readonly command_timeout_ms: number;
  readonly arping_count: number;
  readonly dad_probes: number;
  readonly dad_probe_wait_ms: number;
  readonly log_level: ServiceLogLevel;
}

export const DEFAULTS = {
  kv_timeout_ms: 1000,
  kv_replicas: null,
  lease_ms: 3000,
  reconcile_interval_ms: 500,
  shutdown_hooks_wait_ms: 5000,
  cwd: "/",
  ip_path: "/usr/sbin/ip",
  arping_path: "/usr/bin/arping",
  command_timeout_ms: 5000,
  arping_count: 3,
  dad_probes: 3,
  dad_probe_wait_ms: 25,
} as const;

const validator = Compile(VipManagerConfigSchema);

/** Env overrides over the file: this service's own (serviceEnvOverrides adds the shared ones). */
export const applyEnv = serviceEnvOverrides((out, set) => {
  set("SP_HOST_NAME", (v) => (out["host_name"] = v));
  set("SP_HOST_ADDRESSES", (v) => (out["host_addresses"] = envList(v)));
  set("SP_LEASE_MS", (v) => (out["lease_ms"] = envNumber(v)));
  set("SP_RECONCILE_INTERVAL_MS", (v) => (out["reconcile_interval_ms"] = envNumber(v)));
  set("SP_CLIENT_RECONFIG_SCRIPT", (v) => (jsonSection(out, "hooks")["client_reconfig_script"] = v));
  set("SP_NOTIFICATION_SCRIPT", (v) => (jsonSection(out, "hooks")["notification_script"] = v));
});

/** Validates and fills defaults. `source` names where the input came from, for the message. */
export function resolveConfig(
  input: unknown,
  source: string,
  default_host_name = "host",
): Result<VipManagerConfig> {
  const checked = checkServiceConfig(validator, input, source, checkSemantics);
  if (!checked.ok) return checked;
  const c = checked.value.input;
  const hooks = c.hooks ?? {};
  return ok({
    cluster_id: c.cluster_id,
    host_name: c.host_name ?? default_host_name,
    nats: checked.value.nats,
    kv_timeout_ms: c.kv_timeout_ms ?? DEFAULTS.kv_timeout_ms,
    kv_replicas: c.kv_replicas ?? DEFAULTS.kv_replicas,
    host_addresses: c.host_addresses,
    vips: c.vips,
    lease_ms: c.lease_ms ?? DEFAULTS.lease_ms,
    reconcile_interval_ms: c.reconcile_interval_ms ?? DEFAULTS.reconcile_interval_ms,
    release_on_shutdown: c.release_on_shutdown ?? false,
    shutdown_hooks_wait_ms: c.shutdown_hooks_wait_ms ?? DEFAULTS.shutdown_hooks_wait_ms,
    hooks: {
      client_reconfig_script: hooks.client_reconfig_script ?? null,
      notification_script: hooks.notification_script ?? null,
      masters: hooks.masters ?? null,
      env: hooks.env ?? null,
      cwd: hooks.cwd ?? DEFAULTS.cwd,
      limits: { ...SENTINEL_HOOK_LIMITS, ...(hooks.limits ?? {}) },
    },
    ip_path: c.ip_path ?? DEFAULTS.ip_path,
    arping_path: c.arping_path ?? DEFAULTS.arping_path,
    command_prefix: c.command_prefix ?? [],
    command_timeout_ms: c.command_timeout_ms ?? DEFAULTS.command_timeout_ms,
    arping_count: c.arping_count ?? DEFAULTS.arping_count,
    dad_probes: c.dad_probes ?? DEFAULTS.dad_probes,
    dad_probe_wait_ms: c.dad_probe_wait_ms ?? DEFAULTS.dad_probe_wait_ms,
    log_level: c.log_level ?? "info",
  });
}

/** What the schema cannot say: one VIP per master and address, timings that fit the lease. */
function checkSemantics(c: VipManagerConfigInput): string | null {
  for (const [i, entry] of c.host_addresses.entries()) {
    if (parseHostAddress(entry) === null) {
      return `/host_addresses/${i}: must be host, host:port or [ipv6]:port (${JSON.stringify(entry)})`;
    }
  }
  const masters = new Set<string>();
  const addresses = new Set<string>();
  for (const [i, vip] of c.vips.entries()) {
    if (!isIPv4(vip.vip)) return `/vips/${i}/vip: must be an IPv4 address (${JSON.stringify(vip.vip)})`;
    if (masters.has(vip.master_name)) return `/vips/${i}/master_name: a second VIP for ${vip.master_name}`;
    if (addresses.has(vip.vip)) return `/vips/${i}/vip: ${vip.vip} is used twice`;
    masters.add(vip.master_name);
    addresses.add(vip.vip);
  }
  if (c.vips.length > 0 && c.host_addresses.length === 0) {
    return "/host_addresses: must not be empty when vips are configured";
  }
  const lease_ms = c.lease_ms ?? DEFAULTS.lease_ms;
  const interval_ms = c.reconcile_interval_ms ?? DEFAULTS.reconcile_interval_ms;
  const kv_timeout_ms = c.kv_timeout_ms ?? DEFAULTS.kv_timeout_ms;
  // A healthy host must get at least two reads in per lease, or one slow read drops the VIP.
  if (2 * interval_ms + kv_timeout_ms > lease_ms) {
    return (
      `/lease_ms: must be >= 2 x reconcile_interval_ms + kv_timeout_ms ` +
      `(${2 * interval_ms + kv_timeout_ms}), got ${lease_ms}`
    );
  }
  const probe_span_ms = dadProbeSpan_ms(
    c.dad_probes ?? DEFAULTS.dad_probes,
    c.dad_probe_wait_ms ?? DEFAULTS.dad_probe_wait_ms,
  );
  const command_timeout_ms = c.command_timeout_ms ?? DEFAULTS.command_timeout_ms;
  if (probe_span_ms >= command_timeout_ms) {
    return (
      `/dad_probe_wait_ms: the duplicate address probes listen ${probe_span_ms} ms, ` +
      `which must be less than command_timeout_ms (${command_timeout_ms})`
    );
  }
  const limits = { ...SENTINEL_HOOK_LIMITS, ...(c.hooks?.limits ?? {}) };
  if (limits.scripts_queue_max <= limits.scripts_running_max) {
    return "/hooks/limits/scripts_queue_max: must exceed scripts_running_max";
  }
  return null;
}

const CONFIG_ENV = "SP_VIP_MANAGER_CONFIG";

/** The config path from `--config path` / `--config=path`, else SP_VIP_MANAGER_CONFIG. */
export const configPath = configPathFrom(CONFIG_ENV);

export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  default_host_name = "host",
): Result<VipManagerConfig> {
  return loadJsonConfig(argv, env, {
    env_name: CONFIG_ENV,
    applyEnv,
    resolve: (input, source) => resolveConfig(input, source, default_host_name),
  });
}
