// The opt-in strict mode (issue 13 item 2; `min_replicas_max_lag_ms`, off by default): the shell of
// libs/core's min-replicas rule. On its own connection (WAIT blocks the connection it runs on) it
// writes a heartbeat key and asks `WAIT <min_replicas> <max_lag_ms>` every heartbeat period while
// the server is an unfenced master; the rule decides when to fence (no replica acknowledgement
// for longer than max_lag_ms) and when to lift its own fence (INFO shows min_replicas replicas at
// the primary's offset). The fence and the unfence themselves are the data-node's (node.ts), run
// behind its command queue like every other change of the server. Measured loss window and cost:
// README "Strict mode" (bench/min-replicas.ts).
import { performance } from "node:perf_hooks";
import { heartbeatMsFor, minReplicasStep, newMinReplicasState } from "@sentinel-plane/core";
import type { MinReplicasConfig, MinReplicasEffect, MinReplicasInput, RedisInfo } from "@sentinel-plane/core";
import { createRedisClient, errorMessage } from "@sentinel-plane/runtime";
import type { Logger, TlsMaterial } from "@sentinel-plane/runtime";

/** The rule is stepped this often: a tenth of the usual 100 ms bound. */
const STRICT_TICK_MS = 10;
/** The heartbeat key (one per data-node, overwritten: no growth). */
export const HEARTBEAT_KEY_PREFIX = "__sentinel_plane:strict-heartbeat:";

export interface StrictModeConfig {
  readonly max_lag_ms: number;
  readonly min_replicas: number;
  readonly node_id: string;
  readonly redis: {
    readonly host: string;
    readonly port: number;
    readonly user?: string;
    readonly password?: string;
    readonly tls?: TlsMaterial;
  };
  readonly command_timeout_ms: number;
}

/** What the data-node gives the strict mode: its view of the server and its fence actions. */
export interface StrictModeHooks {
  /** The server as last probed; null when it did not answer. */
  readonly server: () => {
    readonly role: "master" | "slave";
    readonly fenced: boolean;
    readonly info: RedisInfo | null;
  } | null;
  /** Fences the server (resolves true once fenced). */
  readonly fence: (detail: string) => Promise<boolean>;
  /** Lifts this mode's own fence (resolves true once unfenced). */
  readonly unfence: () => Promise<boolean>;
}

/** Replicas whose acknowledged offset has reached the primary's (INFO replication of the primary). */
export function replicasInSync(info: RedisInfo): number {
  return info.replicas.filter((r) => r.state === "online" && r.offset >= info.master_repl_offset).length;
}

export class StrictMode {
  readonly #rule: MinReplicasConfig;
  #state = newMinReplicasState();
  #timer: NodeJS.Timeout | null = null;
  readonly #client: ReturnType<typeof createRedisClient>;

  constructor(
    readonly config: StrictModeConfig,
    readonly hooks: StrictModeHooks,
    readonly logger: Logger,
  ) {
    this.#rule = {
      max_lag_ms: config.max_lag_ms,
      min_replicas: config.min_replicas,
      heartbeat_ms: heartbeatMsFor(config.max_lag_ms),
    };
    this.#client = createRedisClient({
      host: config.redis.host,
      port: config.redis.port,
      ...(config.redis.user === undefined ? {} : { user: config.redis.user }),
      ...(config.redis.password === undefined ? {} : { password: config.redis.password }),
      ...(config.redis.tls === undefined ? {} : { tls: config.redis.tls }),
      connection_name: `sp-data-node-strict-${config.node_id}`,
      connect_timeout_ms: config.command_timeout_ms,
      // WAIT returns by max_lag_ms; a reply later than this is a lost heartbeat.
      command_timeout_ms: config.max_lag_ms + config.command_timeout_ms,
      retry_base_ms: 50,
      retry_max_ms: 1000,
      ready_check: false,
    });
  }

  start(): void {
    this.logger.info(
      { event: "strict_mode", ...this.#rule },
      "strict mode on: the primary is fenced when no replica acknowledged its writes for max_lag_ms",
    );
    this.#client.connect().catch(() => undefined); // retried by the client; heartbeats fail meanwhile
    this.#timer = setInterval(() => {
      this.#tick();
    }, STRICT_TICK_MS);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    this.#client.disconnect();
  }

  /** An agent's fence or unfence was carried out: the fence (or its absence) is the agent's. */
  agentCommand(): void {
    this.#step({ type: "agent_command", now_ms: performance.now() });
  }

  /** The server is fenced by this mode: an agent's `unfence` is refused until replicas are in sync. */
  holdsFence(): boolean {
    return this.#state.fenced_by_us || this.#state.pending === "fence";
  }

  #tick(): void {
    const server = this.hooks.server();
    const now_ms = performance.now();
    this.#step({ type: "tick", now_ms, server: server === null ? { role: null, fenced: false } : server });
    if (this.#state.fenced_by_us && server?.info !== null && server?.info !== undefined) {
      this.#step({ type: "replicas_in_sync", now_ms, count: replicasInSync(server.info) });
    }
  }

  #step(input: MinReplicasInput): void {
    const out = minReplicasStep(this.#rule, this.#state, input);
    this.#state = out.state;
    for (const effect of out.effects) void this.#carry(effect);
  }

  async #carry(effect: MinReplicasEffect): Promise<void> {
    switch (effect.type) {
      case "heartbeat": {
        let acked: number | null;
        try {
          await this.#client.set(`${HEARTBEAT_KEY_PREFIX}${this.config.node_id}`, String(effect.id));
          acked = Number(
            await this.#client.call("WAIT", String(effect.min_replicas), String(effect.timeout_ms)),
          );
        } catch {
          acked = null; // refused (fenced meanwhile), or the connection failed
        }
        this.#step({ type: "heartbeat_result", now_ms: performance.now(), id: effect.id, acked });
        return;
      }
      case "fence": {
        const detail = `no replica acknowledged writes for ${Math.round(effect.uncovered_ms)} ms (max ${this.#rule.max_lag_ms})`;
        const fenced = await this.hooks.fence(detail).catch((error: unknown) => {
          this.logger.error(
            { event: "strict_fence_failed", error: errorMessage(error) },
            "strict fence failed",
          );
          return false;
        });
        this.#step({ type: "fence_result", now_ms: performance.now(), fenced, ok: fenced });
        return;
      }
      case "unfence": {
        const unfenced = await this.hooks.unfence().catch(() => false);
        this.#step({ type: "fence_result", now_ms: performance.now(), fenced: !unfenced, ok: unfenced });
        return;
      }
    }
  }
}
