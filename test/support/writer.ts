// A writer for tests of planned changes under load (switchover on shutdown, rolling restarts):
// writes numbered keys to whichever node accepts them and records every acknowledged one, so the
// test can check afterwards that none was lost.
import type { Redis } from "@sentinel-plane/runtime";
import type { Harness } from "@sentinel-plane/testkit";
import { EVENT_TIMEOUT_MS } from "./agents.js";
import { eventually, redisClient } from "./redis.js";

/** Pause after a refused write before trying the next node (pacing, not synchronisation). */
const RETRY_PAUSE_MS = 5;

/**
 * Writes `w:<n>` to whichever node accepts it: a fenced primary refuses (-NOREPLICAS), a replica
 * refuses (-READONLY), a stopped server refuses the connection. Only acknowledged keys count.
 */
export class Writer {
  readonly acked: string[] = [];
  /** Which port acknowledged each key after `mark()`. */
  readonly acked_by = new Map<number, number>();
  #stop = false;
  #done: Promise<void> = Promise.resolve();

  start(clients: readonly { readonly port: number; readonly client: Redis }[]): void {
    this.#done = (async () => {
      let target = 0;
      for (let n = 0; !this.#stop;) {
        const entry = clients[target % clients.length];
        if (entry === undefined) throw new Error("no clients");
        const key = `w:${n}`;
        try {
          await entry.client.set(key, String(n));
          this.acked.push(key);
          this.acked_by.set(entry.port, (this.acked_by.get(entry.port) ?? 0) + 1);
          n++;
        } catch {
          target++;
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        }
      }
    })();
  }

  /** Resolves once `count` more writes were acknowledged by `port`. */
  async ackedBy(port: number, count: number): Promise<void> {
    const start = this.acked_by.get(port) ?? 0;
    const deadline = performance.now() + EVENT_TIMEOUT_MS;
    while ((this.acked_by.get(port) ?? 0) < start + count) {
      if (performance.now() > deadline) throw new Error(`${port} did not acknowledge ${count} writes`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }
}

export async function clientsFor(
  procs: Harness,
  ports: readonly number[],
): Promise<{ port: number; client: Redis }[]> {
  return Promise.all(ports.map(async (port) => ({ port, client: await redisClient(procs, port) })));
}

interface Attempt {
  readonly at_ms: number;
  readonly error: string | null;
}

/** SETs to one node back to back, recording every attempt's outcome (write outages). */
export class PrimaryWriter {
  readonly attempts: Attempt[] = [];
  #stop = false;
  #done: Promise<void> = Promise.resolve();

  start(client: Redis): void {
    this.#done = (async () => {
      for (let n = 0; !this.#stop; n++) {
        try {
          await client.set(`f:${n}`, String(n));
          this.attempts.push({ at_ms: performance.now(), error: null });
        } catch (error) {
          this.attempts.push({ at_ms: performance.now(), error: (error as Error).message });
          // A refused write comes back at once: pace the retries (not synchronisation).
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();
  }

  /** Resolves once `count` more writes were acknowledged. */
  async acked(count: number): Promise<void> {
    const ok = (): number => this.attempts.filter((a) => a.error === null).length;
    const target = ok() + count;
    await eventually("writes acknowledged", () => Promise.resolve(ok() >= target ? true : null), {
      timeout_ms: EVENT_TIMEOUT_MS,
      interval_ms: 20,
    });
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await this.#done;
  }

  /** Refused attempts since `from` and the longest stretch from a refusal to the next success. */
  outage(from: number): { refused: string[]; longest_ms: number } {
    const refused: string[] = [];
    let longest_ms = 0;
    let since: number | null = null;
    for (const a of this.attempts.slice(from)) {
      if (a.error !== null) {
        refused.push(a.error);
        since ??= a.at_ms;
      } else if (since !== null) {
        longest_ms = Math.max(longest_ms, a.at_ms - since);
        since = null;
      }
    }
    return { refused, longest_ms: Math.round(longest_ms) };
  }
}
