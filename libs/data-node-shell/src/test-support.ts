// Test support for the loop and command-path tests: a manual clock with a timer queue.
// Not exported by the package (index.ts): tests only.

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
