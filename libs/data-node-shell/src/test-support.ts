// Test support for the loop, command-path and report tests: a manual clock with a timer queue,
// and a replica's INFO. Not exported by the package (index.ts): tests only.
import type { RedisInfo } from "@sentinel-plane/core";

/** Timers on a manual clock; `soon` runs at the current time, after the due timers. */
export class FakeTime {
  now_ms = 0;
  #timers: { due_ms: number; id: number; run: () => void }[] = [];
  #soon: (() => void)[] = [];
  #ids = 0;

  after(delay_ms: number, run: () => void): () => void {
    const id = ++this.#ids;
    this.#timers.push({ due_ms: this.now_ms + delay_ms, id, run });
    return () => {
      this.#timers = this.#timers.filter((t) => t.id !== id);
    };
  }

  soon(run: () => void): void {
    this.#soon.push(run);
  }

  /** Moves the clock to `to_ms`, running every timer and `soon` due on the way, and the promises. */
  async advanceTo(to_ms: number): Promise<void> {
    for (;;) {
      await flush();
      const soon = this.#soon.shift();
      if (soon !== undefined) {
        soon();
        continue;
      }
      const next = [...this.#timers].sort((a, b) => a.due_ms - b.due_ms || a.id - b.id)[0];
      if (next === undefined || next.due_ms > to_ms) break;
      this.#timers = this.#timers.filter((t) => t.id !== next.id);
      this.now_ms = next.due_ms;
      next.run();
    }
    this.now_ms = to_ms;
  }
}

function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A replica's INFO as the report tests read it: streaming from 127.0.0.1:7000 at offset 100. */
export const REPLICA_INFO: RedisInfo = {
  run_id: "r".repeat(40),
  role: "slave",
  master_repl_offset: 100,
  replicas: [],
  master_host: "127.0.0.1",
  master_port: 7000,
  master_link_status: "up",
  master_link_down_since_s: -1,
  slave_repl_offset: 100,
  slave_read_repl_offset: 100,
  slave_read_only: true,
  master_sync_in_progress: false,
  replica_priority: 100,
  replica_announced: true,
  uptime_s: 5,
  replid: "a".repeat(40),
  replid2: "0".repeat(40),
  second_repl_offset: -1,
  redis_version: "7.0.15",
};
