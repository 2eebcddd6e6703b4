// "Ready" means a client can use the cluster: an agent names the primary and knows every replica,
// and that primary takes writes (it is a master and not fenced). Neither has an event a CLI can
// subscribe to before the agents serve, so it is polled with a deadline.
import { Redis } from "ioredis";
import type { Endpoint } from "../client/agents.js";
import { firstAnswer } from "../client/agents.js";
import { fieldsOf } from "../client/resp.js";
import { parseHostPort } from "../client/agents.js";

/** data-node's fence: `min-replicas-to-write` at this value means "fenced" (services/data-node). */
const FENCE_MARKER = "2147483647";
const POLL_MS = 200;
const PROBE_TIMEOUT_MS = 1000;

export interface Readiness {
  readonly primary: string;
  readonly replicas: number;
}

/** `up --tls`: CA and client certificate for the TLS-only redis-servers. */
export type ReadinessTls = { readonly ca: string; readonly cert: string; readonly key: string } | null;

async function primaryTakesWrites(address: string, tls: ReadinessTls): Promise<boolean> {
  const target = parseHostPort(address);
  if (target === null) return false;
  const redis = new Redis({
    host: target.host,
    port: target.port,
    ...(tls === null ? {} : { tls: { ...tls, rejectUnauthorized: true } }),
    connectionName: "sentinel-plane-up",
    connectTimeout: PROBE_TIMEOUT_MS,
    commandTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    lazyConnect: true,
    retryStrategy: () => null,
    reconnectOnError: () => false,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    const role: unknown = await redis.call("ROLE");
    if (!Array.isArray(role) || role[0] !== "master") return false;
    const fence: unknown = await redis.call("CONFIG", "GET", "min-replicas-to-write");
    return Array.isArray(fence) && fence[1] !== FENCE_MARKER;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function check(
  endpoints: readonly Endpoint[],
  master_name: string,
  replicas: number,
  tls: ReadinessTls,
): Promise<Readiness | null> {
  try {
    const answer = await firstAnswer(endpoints, {
      // Readiness is about the Sentinel port clients use; REST may not be there yet.
      resp: async (agent) => {
        const master = fieldsOf(await agent.command(["SENTINEL", "MASTER", master_name]));
        const known = await agent.command(["SENTINEL", "REPLICAS", master_name]);
        return {
          primary: `${master["ip"] ?? "?"}:${master["port"] ?? "?"}`,
          replicas: Array.isArray(known) ? known.length : 0,
        };
      },
    });
    if (answer.value.replicas < replicas) return null;
    return (await primaryTakesWrites(answer.value.primary, tls)) ? answer.value : null;
  } catch {
    return null;
  }
}

export async function waitReady(
  endpoints: readonly Endpoint[],
  master_name: string,
  replicas: number,
  timeout_ms: number,
  aborted: () => boolean,
  tls: ReadinessTls = null,
): Promise<Readiness | null> {
  const until = performance.now() + timeout_ms;
  while (performance.now() < until && !aborted()) {
    const ready = await check(endpoints, master_name, replicas, tls);
    if (ready !== null) return ready;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return null;
}
