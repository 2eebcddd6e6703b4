// A local JetStream cluster of real nats-servers on loopback: each its own store dir, client,
// route and monitoring ports, all routed to each other. Started through the harness (killed by
// PID at teardown); ready once the JetStream meta group has a leader and every member.
import { setTimeout as sleep } from "node:timers/promises";
import type { NatsServer } from "./nats-server.js";

/** What the monitoring endpoint `/jsz` says about one stream. */
export interface StreamPlacement {
  readonly name: string;
  /** Server name of the stream's leader ("" while there is none). */
  readonly leader: string;
  readonly num_replicas: number;
  /** The followers, with whether each is current. */
  readonly replicas: readonly { readonly name: string; readonly current: boolean }[];
}

interface JszAnswer {
  readonly meta_cluster?: { readonly leader?: string; readonly cluster_size?: number };
  readonly account_details?: readonly {
    readonly stream_detail?: readonly {
      readonly name: string;
      readonly config?: { readonly num_replicas?: number };
      readonly cluster?: {
        readonly leader?: string;
        readonly replicas?: readonly { readonly name: string; readonly current?: boolean }[];
      };
    }[];
  }[];
}

const POLL_MS = 100;

export class NatsCluster {
  readonly name: string;
  readonly servers: readonly NatsServer[];

  constructor(name: string, servers: readonly NatsServer[]) {
    this.name = name;
    this.servers = servers;
  }

  /** Client URLs of every member, for a client's server list. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** The members whose process is running. */
  running(): NatsServer[] {
    return this.servers.filter((s) => s.process.running);
  }

  byName(name: string): NatsServer {
    const server = this.servers.find((s) => s.name === name);
    if (server === undefined) throw new Error(`no NATS server named ${name} in ${this.name}`);
    return server;
  }

  /** `/jsz` of one member (with accounts, streams and their config). */
  async jsz(server: NatsServer, timeout_ms = 2000): Promise<JszAnswer> {
    const base = server.monitor_url;
    if (base === null) throw new Error(`${server.name} has no monitoring port`);
    const response = await fetch(`${base}/jsz?accounts=true&streams=true&config=true`, {
      signal: AbortSignal.timeout(timeout_ms),
    });
    if (!response.ok) throw new Error(`${server.name} /jsz answered ${response.status}`);
    return (await response.json()) as JszAnswer;
  }

  /** A stream's placement as the first running member that knows it reports it; null if none. */
  async stream(stream_name: string): Promise<StreamPlacement | null> {
    for (const server of this.running()) {
      const jsz = await this.jsz(server).catch(() => null);
      for (const account of jsz?.account_details ?? []) {
        const found = account.stream_detail?.find((s) => s.name === stream_name);
        if (found === undefined) continue;
        return {
          name: found.name,
          leader: found.cluster?.leader ?? "",
          num_replicas: found.config?.num_replicas ?? 0,
          replicas: (found.cluster?.replicas ?? []).map((r) => ({
            name: r.name,
            current: r.current ?? false,
          })),
        };
      }
    }
    return null;
  }

  /** Polls until `check` returns a value (not null), or throws after `timeout_ms`. */
  async until<T>(what: string, check: () => Promise<T | null>, timeout_ms: number): Promise<T> {
    const deadline = performance.now() + timeout_ms;
    for (;;) {
      const value = await check().catch(() => null);
      if (value !== null) return value;
      if (performance.now() > deadline) throw new Error(`${this.name}: ${what} not within ${timeout_ms} ms`);
      await sleep(POLL_MS);
    }
  }

  /** Waits until every running member sees a meta leader and the whole cluster. */
  async waitForMeta(timeout_ms: number): Promise<void> {
    await this.until(
      "JetStream meta leader",
      async () => {
        for (const server of this.running()) {
          const meta = (await this.jsz(server)).meta_cluster;
          if (meta?.leader === undefined || meta.leader === "") return null;
          if ((meta.cluster_size ?? 0) < this.servers.length) return null;
        }
        return true;
      },
      timeout_ms,
    );
  }

  /** Waits until the stream has a leader (after a leader's loss, a new election). */
  async waitForStreamLeader(stream_name: string, timeout_ms: number): Promise<StreamPlacement> {
    return this.until(
      `a leader of ${stream_name}`,
      async () => {
        const placement = await this.stream(stream_name);
        if (placement === null || placement.leader === "") return null;
        return this.running().some((s) => s.name === placement.leader) ? placement : null;
      },
      timeout_ms,
    );
  }
}
