// Port choice for a new local cluster: each role has a preferred first port (the well-known
// one, used only when free) and takes the next free ones; `--port-base 0` asks the kernel for
// ephemeral ports instead (tests). The choice is persisted, so a second `up` reuses it.
import { createServer } from "node:net";
import type { ClusterPorts } from "../state/cluster-state.js";

export const LOOPBACK = "127.0.0.1";
/** How far above its preferred port a role looks for a free one. */
const SCAN_MAX = 200;

export interface PortPlan {
  readonly nats: number;
  readonly redis: number;
  readonly sentinel: number;
  readonly rest: number;
}

/** The well-known defaults (only when free). */
export const DEFAULT_PLAN: PortPlan = { nats: 4222, redis: 6379, sentinel: 26379, rest: 8080 };

/** `--port-base N`: every role in a block above N (0: ephemeral ports from the kernel). */
export function planFromBase(base: number): PortPlan | null {
  if (base === 0) return null;
  return { nats: base, redis: base + 10, sentinel: base + 20, rest: base + 30 };
}

/** Whether 127.0.0.1:port can be bound now (a wildcard listener on the port also makes it busy). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => {
      resolve(false);
    });
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

class PortPicker {
  readonly #taken = new Set<number>();
  readonly #ephemeral: boolean;

  constructor(ephemeral: boolean) {
    this.#ephemeral = ephemeral;
  }

  async take(first: number): Promise<number> {
    if (this.#ephemeral) {
      for (let attempt = 0; attempt < SCAN_MAX; attempt++) {
        const port = await ephemeralPort();
        if (port > 0 && !this.#taken.has(port)) return this.#claim(port);
      }
      throw new Error("no free ephemeral port");
    }
    for (let port = first; port < first + SCAN_MAX && port < 65536; port++) {
      if (!this.#taken.has(port) && (await isPortFree(port))) return this.#claim(port);
    }
    throw new Error(`no free port in ${first}..${first + SCAN_MAX - 1}`);
  }

  #claim(port: number): number {
    this.#taken.add(port);
    return port;
  }
}

export async function choosePorts(
  plan: PortPlan | null,
  counts: { readonly redis: number; readonly agents: number },
): Promise<ClusterPorts> {
  const picker = new PortPicker(plan === null);
  const p = plan ?? DEFAULT_PLAN;
  const nats = await picker.take(p.nats);
  const redis: number[] = [];
  for (let i = 0; i < counts.redis; i++) redis.push(await picker.take(redis.at(-1) ?? p.redis));
  const sentinel: number[] = [];
  for (let i = 0; i < counts.agents; i++) sentinel.push(await picker.take(sentinel.at(-1) ?? p.sentinel));
  const rest: number[] = [];
  for (let i = 0; i < counts.agents; i++) rest.push(await picker.take(rest.at(-1) ?? p.rest));
  return { nats, redis, sentinel, rest };
}

/** The persisted ports that are busy now (a resumed cluster cannot move its Redis ports). */
export async function busyPorts(ports: ClusterPorts): Promise<number[]> {
  const all = [ports.nats, ...ports.redis, ...ports.sentinel, ...ports.rest];
  const busy: number[] = [];
  for (const port of all) if (!(await isPortFree(port))) busy.push(port);
  return busy;
}
