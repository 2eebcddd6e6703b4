// The container implementation of Infra, through testcontainers (the Docker API at DOCKER_HOST;
// podman's works). Containers use the host's network and bind 127.0.0.1 on a free port, so the
// addresses are those of the process mode. Images: SP_TC_REDIS_IMAGE (redis:7) and
// SP_TC_NATS_IMAGE (nats:2-alpine), or local stand-ins where no registry is reachable.
// Every container is removed at the harness's teardown.
import type * as TestcontainersModule from "testcontainers";
import type { GenericContainer, StartedTestContainer } from "testcontainers";
import type { Harness } from "../process/harness.js";
import { BIND_ATTEMPTS_MAX, freePort, LOOPBACK } from "../process/ports.js";
import type { Infra, InfraNats, InfraRedis, InfraRedisOptions } from "./infra.js";

type Testcontainers = typeof TestcontainersModule;

export interface ContainerImages {
  readonly redis: string;
  readonly nats: string;
}

export function imagesFromEnv(env: Readonly<Record<string, string | undefined>>): ContainerImages {
  return {
    redis: env["SP_TC_REDIS_IMAGE"] ?? "redis:7",
    nats: env["SP_TC_NATS_IMAGE"] ?? "nats:2-alpine",
  };
}

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_S = 1;

export class ContainerInfra implements Infra {
  readonly mode = "containers" as const;
  readonly reason: string;
  readonly #procs: Harness;
  readonly #tc: Testcontainers;
  readonly #images: ContainerImages;

  constructor(procs: Harness, tc: Testcontainers, images: ContainerImages, reason: string) {
    this.#procs = procs;
    this.#tc = tc;
    this.#images = images;
    this.reason = reason;
  }

  /** Starts on a free port; a port taken in between (the container exits) is retried. */
  async #start(
    name: string,
    build: (port: number) => GenericContainer,
  ): Promise<{ container: StartedTestContainer; port: number }> {
    let last: unknown = null;
    for (let attempt = 0; attempt < BIND_ATTEMPTS_MAX; attempt++) {
      const port = await freePort();
      try {
        const container = await build(port)
          .withName(`sp-tc-${name}-${String(process.pid)}-${String(port)}`)
          .withNetworkMode("host")
          .withStartupTimeout(STARTUP_TIMEOUT_MS)
          .start();
        this.#procs.onCleanup(async () => {
          await container
            .stop({ timeout: STOP_TIMEOUT_S, remove: true, removeVolumes: true })
            .catch(() => undefined);
        });
        return { container, port };
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`container ${name} did not start: ${String(last)}`, { cause: last });
  }

  async startNats(name: string): Promise<InfraNats> {
    const { port } = await this.#start(name, (p) =>
      new this.#tc.GenericContainer(this.#images.nats)
        .withEntrypoint(["nats-server"])
        .withCommand(["-js", "-sd", "/tmp/jetstream", "-a", LOOPBACK, "-p", String(p), "-n", name])
        .withWaitStrategy(this.#tc.Wait.forLogMessage("Server is ready")),
    );
    return { url: `nats://${LOOPBACK}:${String(port)}`, port };
  }

  async startRedis(options: InfraRedisOptions): Promise<InfraRedis> {
    const { container, port } = await this.#start(options.name, (p) =>
      new this.#tc.GenericContainer(this.#images.redis)
        .withEntrypoint(["redis-server"])
        .withCommand([
          "--port",
          String(p),
          "--bind",
          LOOPBACK,
          "--save",
          "",
          "--appendonly",
          "no",
          "--repl-diskless-sync",
          "yes",
          "--repl-diskless-sync-delay",
          "0",
          "--protected-mode",
          "no",
          ...(options.replicaof === undefined
            ? []
            : ["--replicaof", options.replicaof.host, String(options.replicaof.port)]),
        ])
        .withWaitStrategy(this.#tc.Wait.forLogMessage("Ready to accept connections")),
    );
    return {
      name: options.name,
      host: LOOPBACK,
      port,
      kill: async () => {
        const client = await this.#tc.getContainerRuntimeClient();
        await client.container.getById(container.getId()).kill({ signal: "SIGKILL" });
      },
    };
  }
}
