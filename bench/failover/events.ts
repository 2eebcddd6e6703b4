// Records the Sentinel events of every sentinel (or agent) the same way for both implementations:
// PSUBSCRIBE '*' on each RESP port, each message stamped with performance.now() on arrival.
import type { Redis } from "ioredis";
import { directClient } from "./clients.js";
import type { SeenEvent } from "./types.js";

/** Events kept per run; a failover emits a few dozen per sentinel. */
const EVENTS_MAX = 20_000;

interface Waiter {
  readonly match: (e: SeenEvent) => boolean;
  readonly resolve: (e: SeenEvent) => void;
}

export class EventRecorder {
  readonly events: SeenEvent[] = [];
  dropped = 0;
  readonly #clients: Redis[] = [];
  #waiters: Waiter[] = [];

  /** Subscribes to every port; resolves once every subscription is confirmed. */
  static async start(ports: readonly number[]): Promise<EventRecorder> {
    const recorder = new EventRecorder();
    try {
      await Promise.all(ports.map((port) => recorder.#subscribe(port)));
    } catch (error) {
      recorder.close();
      throw error;
    }
    return recorder;
  }

  async #subscribe(port: number): Promise<void> {
    // A subscriber connection never times out its commands: it only receives pushes.
    const client = directClient(port, {
      connection_name: "bench-events",
      command_timeout_ms: 2000,
      target: "sentinel",
    });
    this.#clients.push(client);
    client.on("pmessage", (_pattern: string, channel: string, message: string) => {
      this.#record({ name: channel, payload: message, from_port: port, t_ms: performance.now() });
    });
    await client.connect();
    await client.psubscribe("*");
  }

  #record(event: SeenEvent): void {
    if (this.events.length >= EVENTS_MAX) {
      this.dropped++;
      return;
    }
    this.events.push(event);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.match(event)) return true;
      w.resolve(event);
      return false;
    });
  }

  /** The first event matching `match` at or after `since_ms` (already seen, or future). */
  waitFor(match: (e: SeenEvent) => boolean, since_ms: number, timeout_ms: number): Promise<SeenEvent> {
    const wanted = (e: SeenEvent): boolean => e.t_ms >= since_ms && match(e);
    const past = this.events.find(wanted);
    if (past !== undefined) return Promise.resolve(past);
    return new Promise<SeenEvent>((resolve, reject) => {
      const waiter: Waiter = {
        match: wanted,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`event not seen within ${timeout_ms} ms`));
      }, timeout_ms);
      this.#waiters.push(waiter);
    });
  }

  close(): void {
    for (const client of this.#clients) client.disconnect();
    this.#clients.length = 0;
  }
}
