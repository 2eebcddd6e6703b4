// One interface for the infrastructure of cross-service tests (Redis and NATS), with two
// implementations: real processes started by the Harness, or containers started through
// testcontainers when a container engine is reachable. Both put their servers on 127.0.0.1
// (containers use the host's network), so the services under test see the same addresses,
// and replication, Sentinel discovery and failover work alike in both modes.
export type InfraMode = "processes" | "containers";

export interface InfraRedisOptions {
  readonly name: string;
  readonly replicaof?: { readonly host: string; readonly port: number };
}

export interface InfraRedis {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** SIGKILL: the process (or the container) dies without any cleanup. */
  kill(): Promise<void>;
}

export interface InfraNats {
  readonly url: string;
  readonly port: number;
}

export interface Infra {
  readonly mode: InfraMode;
  /** Why this mode was chosen, for the test log. */
  readonly reason: string;
  startNats(name: string): Promise<InfraNats>;
  startRedis(options: InfraRedisOptions): Promise<InfraRedis>;
}
