// The fallback when no data-node answers: command Redis directly, as Redis Sentinel does
// (sentinelSendSlaveOf: MULTI, REPLICAOF, CONFIG REWRITE, CLIENT KILL normal + pubsub, EXEC).
// No epoch check is possible here, which is why it is only a fallback and is always reported.
import type { Address, NodeCommand, NodeCommandResult } from "@sentinel-plane/core";
import { createRedisClient, errorMessage } from "@sentinel-plane/runtime";
import type { TlsMaterial } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import type { DirectRedisControl } from "./node-commander.js";
import type { RedisAuth } from "./redis-prober.js";

/** The data-node's fence marker (services/data-node/README.md): writes refused with NOREPLICAS. */
const FENCE_MIN_REPLICAS = "2147483647";

type Call = readonly string[];

/** The calls of one command, in one MULTI/EXEC. */
export function directCalls(command: NodeCommand): Call[] {
  switch (command.type) {
    case "promote":
      // No saved value to restore without the data-node: lift the fence to Redis' default.
      return [
        ["CONFIG", "SET", "min-replicas-to-write", "0"],
        ["REPLICAOF", "NO", "ONE"],
        ["CONFIG", "REWRITE"],
        ["CLIENT", "KILL", "TYPE", "normal"],
        ["CLIENT", "KILL", "TYPE", "pubsub"],
      ];
    case "replicaof":
      return [
        ["REPLICAOF", command.host, String(command.port)],
        ["CONFIG", "REWRITE"],
        ["CLIENT", "KILL", "TYPE", "normal"],
        ["CLIENT", "KILL", "TYPE", "pubsub"],
      ];
    case "fence":
      return [["CONFIG", "SET", "min-replicas-to-write", FENCE_MIN_REPLICAS]];
    case "unfence":
      // Rewritten as the data-node's unfence is: a `replicaof` above persisted the fence marker
      // (its CONFIG REWRITE saves every live setting), and a lift kept in memory only came back
      // at the server's next restart. Redis's test suite restarts the old primary of a
      // switchover two files later and found it refusing every write (NOREPLICAS) for good.
      return [
        ["CONFIG", "SET", "min-replicas-to-write", "0"],
        ["CONFIG", "REWRITE"],
      ];
  }
}

export class DirectRedis implements DirectRedisControl {
  readonly #auth_for: (target: Address) => RedisAuth;
  readonly #tls: TlsMaterial | undefined;

  /** `tls`: as the prober's (tls-replication). */
  constructor(auth_for: (target: Address) => RedisAuth, tls?: TlsMaterial) {
    this.#auth_for = auth_for;
    this.#tls = tls;
  }

  async run(target: Address, command: NodeCommand, timeout_ms: number): Promise<NodeCommandResult> {
    const auth = this.#auth_for(target);
    const client = createRedisClient({
      host: target.host,
      port: target.port,
      ...(auth.username === undefined ? {} : { username: auth.username }),
      ...(auth.password === undefined ? {} : { password: auth.password }),
      ...(this.#tls === undefined ? {} : { tls: this.#tls }),
      connection_name: "sentinel-plane-direct",
      connect_timeout_ms: timeout_ms,
      command_timeout_ms: timeout_ms,
      retry_base_ms: 50,
      retry_max_ms: 50,
    });
    client.on("error", () => undefined);
    try {
      await client.connect();
      // Only the fence marker is lifted: an operator's own min-replicas-to-write (a primary that
      // must keep 1 replica in sync, say) is theirs, and a server never fenced needs nothing.
      // `replica_only` (a removed master's replicas, core admin.ts): a server that is a master
      // now keeps its fence.
      if (command.type === "unfence") {
        const lift = (await fenced(client)) && (command.replica_only !== true || (await isReplica(client)));
        if (!lift) return await roleResult(client);
      }
      const multi = client.multi();
      for (const [name, ...args] of directCalls(command)) if (name !== undefined) multi.call(name, ...args);
      const results = (await multi.exec()) ?? [];
      // CONFIG REWRITE fails on a server without a config file: harmless, as for Sentinel.
      const failed = results.find(
        ([error], i) => error !== null && directCalls(command)[i]?.[1] !== "REWRITE",
      );
      if (failed?.[0] != null)
        return { ok: false, code: "SP_ERR_REDIS_COMMAND_FAILED", message: failed[0].message };
      return await roleResult(client);
    } catch (error) {
      return { ok: false, code: "SP_ERR_REDIS_UNAVAILABLE", message: errorMessage(error) };
    } finally {
      client.disconnect();
    }
  }
}

async function fenced(client: Redis): Promise<boolean> {
  const reply = (await client.call("CONFIG", "GET", "min-replicas-to-write")) as unknown[];
  return reply[1] === FENCE_MIN_REPLICAS;
}

async function isReplica(client: Redis): Promise<boolean> {
  const role = (await client.call("ROLE")) as unknown[];
  return role[0] === "slave";
}

async function roleResult(client: Redis): Promise<NodeCommandResult> {
  const role = (await client.call("ROLE")) as unknown[];
  const offset = role[0] === "master" ? Number(role[1]) : Number(role[4]);
  return {
    ok: true,
    role: role[0] === "master" ? "master" : "slave",
    offset: Number.isSafeInteger(offset) ? offset : 0,
  };
}
