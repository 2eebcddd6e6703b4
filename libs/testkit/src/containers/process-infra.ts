// The process implementation of Infra: the Harness's redis-server and nats-server (killed by PID
// at teardown).
import type { Harness } from "../process/harness.js";
import { LOOPBACK } from "../process/ports.js";
import type { Infra, InfraNats, InfraRedis, InfraRedisOptions } from "./infra.js";

export class ProcessInfra implements Infra {
  readonly mode = "processes" as const;
  readonly reason: string;
  readonly #procs: Harness;

  constructor(procs: Harness, reason: string) {
    this.#procs = procs;
    this.reason = reason;
  }

  async startNats(name: string): Promise<InfraNats> {
    // As the container infra: no NATS users yet (containers/cluster.ts writes no credentials).
    const nats = await this.#procs.startNats({ name, auth: false });
    return { url: nats.url, port: nats.port };
  }

  async startRedis(options: InfraRedisOptions): Promise<InfraRedis> {
    const redis = await this.#procs.startRedis({
      name: options.name,
      ...(options.replicaof === undefined ? {} : { replicaof: options.replicaof }),
    });
    return {
      name: options.name,
      host: LOOPBACK,
      port: redis.port,
      kill: async () => {
        redis.kill("SIGKILL");
        await redis.process.exited;
      },
    };
  }
}
