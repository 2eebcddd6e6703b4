// The local cluster's settings (cluster.json, chosen by the first `up`, reused by every later
// one) and the run record (run.json: the PIDs of a running `up`). Both are read back by the other
// commands to find the agents and the token.
import { readFile, rm } from "node:fs/promises";
import type * as Runtime from "@sentinel-plane/runtime";
import { CliError, EXIT, errnoCode } from "../errors.js";
import type { Layout } from "./layout.js";
import { isIndexable } from "../client/json.js";

export const CLUSTER_FILE_VERSION = 1;

export interface ClusterPorts {
  readonly nats: number;
  /** Primary first, as first started; later roles come from the agents. */
  readonly redis: readonly number[];
  readonly sentinel: readonly number[];
  readonly rest: readonly number[];
}

export interface ClusterSettings {
  readonly version: typeof CLUSTER_FILE_VERSION;
  readonly cluster_id: string;
  readonly master_name: string;
  readonly quorum: number;
  readonly down_after_ms: number;
  readonly failover_timeout_ms: number;
  readonly rest_token: string;
  /** The agents' Sentinel-port password (requirepass); absent in clusters made before it, until `up` adds one. */
  readonly sentinel_password?: string;
  readonly ports: ClusterPorts;
  readonly created_at: string;
}

export interface RunProcess {
  readonly name: string;
  readonly pid: number;
  /** When the kernel started it (/proc/PID/stat field 22): tells it from a later process with its PID. */
  readonly start_ticks?: number;
}

export interface RunRecord {
  readonly up_pid: number;
  readonly started_at: string;
  readonly processes: readonly RunProcess[];
}

function isPortList(value: unknown, length: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((p) => typeof p === "number" && Number.isInteger(p) && p > 0 && p < 65536)
  );
}

/** Checks the shape of a parsed cluster.json; the reason names the first bad field. */
export function checkClusterSettings(
  value: unknown,
  counts: { readonly redis: number; readonly agents: number },
): { ok: true; value: ClusterSettings } | { ok: false; reason: string } {
  if (typeof value !== "object" || value === null) return { ok: false, reason: "not an object" };
  const v = value as Record<string, unknown>;
  if (v["version"] !== CLUSTER_FILE_VERSION) return { ok: false, reason: "/version: unsupported" };
  for (const key of ["cluster_id", "master_name", "rest_token", "created_at"]) {
    if (typeof v[key] !== "string" || v[key] === "")
      return { ok: false, reason: `/${key}: expected a string` };
  }
  if (
    v["sentinel_password"] !== undefined &&
    (typeof v["sentinel_password"] !== "string" || v["sentinel_password"] === "")
  )
    return { ok: false, reason: "/sentinel_password: expected a string" };
  for (const key of ["quorum", "down_after_ms", "failover_timeout_ms"]) {
    if (!Number.isInteger(v[key])) return { ok: false, reason: `/${key}: expected an integer` };
  }
  const ports = v["ports"];
  if (!isIndexable(ports)) return { ok: false, reason: "/ports: expected an object" };
  const p = ports;
  if (!isPortList([p["nats"]], 1)) return { ok: false, reason: "/ports/nats: expected a port" };
  if (!isPortList(p["redis"], counts.redis))
    return { ok: false, reason: `/ports/redis: expected ${counts.redis} ports` };
  if (!isPortList(p["sentinel"], counts.agents))
    return { ok: false, reason: `/ports/sentinel: expected ${counts.agents} ports` };
  if (!isPortList(p["rest"], counts.agents))
    return { ok: false, reason: `/ports/rest: expected ${counts.agents} ports` };
  return { ok: true, value: value as ClusterSettings };
}

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (errnoCode(error) === "ENOENT") return undefined;
    throw new CliError(EXIT.usage, "CLI_STATE_UNREADABLE", `cannot read ${path}: ${String(error)}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    return value;
  } catch (error) {
    throw new CliError(EXIT.usage, "CLI_STATE_INVALID", `${path}: not JSON: ${String(error)}`);
  }
}

/** The settings, or null when this directory holds no cluster yet. */
export async function loadClusterSettings(
  layout: Layout,
  counts: { readonly redis: number; readonly agents: number },
): Promise<ClusterSettings | null> {
  const value = await readJson(layout.cluster_file);
  if (value === undefined) return null;
  const checked = checkClusterSettings(value, counts);
  if (!checked.ok)
    throw new CliError(EXIT.usage, "CLI_STATE_INVALID", `${layout.cluster_file}: ${checked.reason}`);
  return checked.value;
}

/**
 * The runtime package, loaded by the writers only: `status` and the other reading commands load
 * this module, and the package's index brings NATS, ioredis and OpenTelemetry with it under tsx.
 */
function runtime(): Promise<typeof Runtime> {
  return import("@sentinel-plane/runtime");
}

export async function saveClusterSettings(layout: Layout, settings: ClusterSettings): Promise<void> {
  const written = await (await runtime()).writeJsonAtomic(layout.cluster_file, settings);
  if (!written.ok) throw new CliError(EXIT.start_failed, "CLI_STATE_WRITE", written.error.message);
}

export async function loadRunRecord(layout: Layout): Promise<RunRecord | null> {
  const value = await readJson(layout.run_file);
  if (typeof value !== "object" || value === null) return null;
  const v = value as Partial<RunRecord>;
  if (!Number.isInteger(v.up_pid) || !Array.isArray(v.processes)) return null;
  return value as RunRecord;
}

export async function saveRunRecord(layout: Layout, record: RunRecord): Promise<void> {
  const written = await (await runtime()).writeJsonAtomic(layout.run_file, record);
  if (!written.ok) throw new CliError(EXIT.start_failed, "CLI_STATE_WRITE", written.error.message);
}

export async function removeRunRecord(layout: Layout): Promise<void> {
  await rm(layout.run_file, { force: true });
}
