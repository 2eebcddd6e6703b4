// "Ready" in Sentinel-protocol terms, so one check serves both implementations: every sentinel
// (or agent) names the expected primary, sees every replica up with its link ok, and sees every
// peer; and the primary takes a write (ours starts fenced until the agents confirm it).
import type { Redis } from "ioredis";
import { directClient, until } from "./clients.js";

export interface Expected {
  readonly master_name: string;
  readonly primary_port: number;
  readonly replicas: number;
  readonly sentinel_ports: readonly number[];
}

/** A flat [field, value, ...] reply as a record. */
export function fields(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const key: unknown = reply[i];
    const value: unknown = reply[i + 1];
    if (typeof key === "string" && typeof value === "string") out[key] = value;
  }
  return out;
}

function list(reply: unknown): Record<string, string>[] {
  return Array.isArray(reply) ? reply.map(fields) : [];
}

/** What one sentinel still lacks, or null when it sees the whole deployment. */
async function lacking(client: Redis, expected: Expected): Promise<string | null> {
  const name = expected.master_name;
  const master = fields(await client.call("SENTINEL", "MASTER", name));
  if (master["flags"] !== "master") return `master flags ${master["flags"] ?? "?"}`;
  if (Number(master["port"]) !== expected.primary_port) return `master port ${master["port"] ?? "?"}`;
  const peers = expected.sentinel_ports.length - 1;
  if (Number(master["num-slaves"]) !== expected.replicas) return `num-slaves ${master["num-slaves"] ?? "?"}`;
  if (Number(master["num-other-sentinels"]) !== peers)
    return `num-other-sentinels ${master["num-other-sentinels"] ?? "?"}`;
  const replicas = list(await client.call("SENTINEL", "REPLICAS", name));
  const up = replicas.filter((r) => r["flags"] === "slave" && r["master-link-status"] === "ok");
  if (up.length !== expected.replicas) return `${up.length} replicas up`;
  const sentinels = list(await client.call("SENTINEL", "SENTINELS", name));
  if (sentinels.filter((s) => s["flags"] === "sentinel").length !== peers) return "peers";
  return null;
}

export async function waitReady(expected: Expected, timeout_ms: number): Promise<void> {
  const clients = expected.sentinel_ports.map((port) =>
    directClient(port, { connection_name: "bench-ready", target: "sentinel" }),
  );
  const primary = directClient(expected.primary_port, { connection_name: "bench-ready" });
  try {
    await Promise.all([...clients, primary].map((c) => c.connect()));
    let last = "";
    await until(
      "all sentinels see 2 replicas and 2 peers, and the primary takes writes",
      async () => {
        for (const [i, client] of clients.entries()) {
          const missing = await lacking(client, expected);
          if (missing !== null) {
            last = `sentinel ${expected.sentinel_ports[i] ?? "?"}: ${missing}`;
            return false;
          }
        }
        await primary.set("bench:ready", "1");
        return true;
      },
      { timeout_ms, interval_ms: 100 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; last: ${last}`);
    });
  } finally {
    for (const c of [...clients, primary]) c.disconnect();
  }
}
