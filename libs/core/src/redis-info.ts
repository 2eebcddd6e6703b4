// Parsing of Redis `INFO` text into the fields the control plane uses. Pure: the agent's probes,
// the data-nodes and the simulator all go through this one parser.
import type { InfoReplicaEntry, RedisInfo } from "./types.js";

/**
 * A copy of `text` that does not keep the string it was cut from alive. V8 makes a substring of 13
 * characters or more (split, slice, trim) a view into its parent: a 40-character run id kept from
 * an INFO reply held the whole 5 kB reply (an agent of 200 masters held 400 of them). Flattening
 * the concatenation writes the characters into a string of their own, which the slice then views.
 */
function detached(text: string): string {
  return ` ${text}`.slice(1);
}

export type InfoParseResult =
  { readonly ok: true; readonly info: RedisInfo } | { readonly ok: false; readonly reason: string };

/** Splits INFO text into `field -> value`, skipping section headers and blank lines. */
export function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function integer(fields: Map<string, string>, name: string, fallback: number): number {
  const value = fields.get(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : fallback;
}

/** Parses `ip=127.0.0.1,port=6380,state=online,offset=42,lag=0`. */
export function parseReplicaEntry(value: string): InfoReplicaEntry | null {
  const parts = new Map<string, string>();
  for (const pair of value.split(",")) {
    const eq = pair.indexOf("=");
    if (eq > 0) parts.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  const host = parts.get("ip");
  const port = Number(parts.get("port"));
  if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return {
    host: detached(host),
    port,
    state: detached(parts.get("state") ?? "unknown"),
    offset: Number(parts.get("offset") ?? "0") || 0,
    lag_s: Number(parts.get("lag") ?? "0") || 0,
  };
}

/** Parses the output of `INFO` (all sections, or at least server + replication). */
export function parseInfo(text: string): InfoParseResult {
  const fields = infoFields(text);
  const role = fields.get("role");
  if (role !== "master" && role !== "slave") {
    return { ok: false, reason: `INFO has no valid role field (got ${JSON.stringify(role ?? null)})` };
  }
  const run_id = detached(fields.get("run_id") ?? "");
  const replicas: InfoReplicaEntry[] = [];
  for (const [name, value] of fields) {
    if (!/^slave\d+$/.test(name)) continue;
    const entry = parseReplicaEntry(value);
    if (entry !== null) replicas.push(entry);
  }
  const base = {
    run_id,
    role,
    master_repl_offset: integer(fields, "master_repl_offset", 0),
    replicas,
    replica_priority: integer(fields, "slave_priority", integer(fields, "replica_priority", 100)),
    replica_announced: (fields.get("replica_announced") ?? "1") === "1",
    uptime_s: integer(fields, "uptime_in_seconds", 0),
    replid: detached(fields.get("master_replid") ?? ""),
    replid2: detached(fields.get("master_replid2") ?? ""),
    second_repl_offset: integer(fields, "second_repl_offset", -1),
    redis_version: detached(fields.get("redis_version") ?? ""),
  } as const;
  if (role === "master") return { ok: true, info: base };
  const master_port = integer(fields, "master_port", 0);
  const link = fields.get("master_link_status");
  const info: RedisInfo = {
    ...base,
    master_host: detached(fields.get("master_host") ?? ""),
    master_port,
    master_link_status: link === "up" ? "up" : "down",
    master_link_down_since_s: integer(fields, "master_link_down_since_seconds", -1),
    slave_repl_offset: integer(fields, "slave_repl_offset", 0),
    slave_read_repl_offset: integer(fields, "slave_read_repl_offset", 0),
    slave_read_only: (fields.get("slave_read_only") ?? "1") === "1",
    master_sync_in_progress: (fields.get("master_sync_in_progress") ?? "0") === "1",
  };
  return { ok: true, info };
}
