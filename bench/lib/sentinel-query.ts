// Asking a Sentinel (Redis' or ours: the same protocol) what it sees, for benchmark readiness:
// SENTINEL MASTERS as field maps, and "are all N masters up and seen as masters".
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";

export type Fields = ReadonlyMap<string, string>;

/** A client of a Sentinel port; every timeout spelled out, no offline queue. */
export async function sentinelClient(port: number, connection_name: string): Promise<Redis> {
  const client = createRedisClient({
    host: "127.0.0.1",
    port,
    connection_name,
    connect_timeout_ms: 2000,
    command_timeout_ms: 5000,
    retry_base_ms: 50,
    retry_max_ms: 500,
  });
  client.on("error", () => undefined); // reconnects are ioredis' business; calls reject on their own
  await client.connect();
  return client;
}

function fieldsOf(flat: unknown): Fields {
  const map = new Map<string, string>();
  if (!Array.isArray(flat)) return map;
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), String(flat[i + 1]));
  return map;
}

export async function sentinelMasters(client: Redis): Promise<Fields[]> {
  const reply = await client.call("SENTINEL", "MASTERS");
  return Array.isArray(reply) ? reply.map(fieldsOf) : [];
}

/** How many masters are reported with flags exactly `master` and role-reported `master`. */
export function healthyMasters(masters: readonly Fields[]): number {
  return masters.filter((m) => m.get("flags") === "master" && m.get("role-reported") === "master").length;
}

/** Polls (there is no event for "has seen everything") until `check` holds or the deadline. */
export async function pollUntil(
  what: string,
  check: () => Promise<boolean>,
  timeout_ms: number,
): Promise<void> {
  const deadline = performance.now() + timeout_ms;
  while (!(await check().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`${what}: not reached within ${timeout_ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
