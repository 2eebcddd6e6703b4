// CLIENT PAUSE / UNPAUSE for the whole port, as Redis 7.0's pauseClients: the strictest mode
// and the latest end win while a pause lasts. In ALL mode every command that passed its checks
// waits until the pause ends (an unknown command is still answered at once, as by Sentinel);
// WRITE mode holds nothing here, since no Sentinel command writes or may replicate.
export type PauseMode = "write" | "all";

export class ClientPause {
  #mode: PauseMode | null = null;
  #end_ms = 0;
  #timer: NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];

  readonly #now_ms: () => number;
  constructor(now_ms: () => number) {
    this.#now_ms = now_ms;
  }

  pause(end_ms: number, mode: PauseMode): void {
    if (this.#mode !== "all") this.#mode = mode;
    this.#end_ms = Math.max(this.#end_ms, end_ms);
    this.#arm();
  }

  unpause(): void {
    this.#mode = null;
    this.#end_ms = 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Whether a command must wait now (ALL mode until its end). */
  holdsAll(): boolean {
    if (this.#mode === "all" && this.#now_ms() >= this.#end_ms) this.unpause();
    return this.#mode === "all";
  }

  /** Resolves when the current pause ends (at once when none). */
  ended(): Promise<void> {
    if (this.#mode === null) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #arm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = null;
        // A later pause may have moved the end: re-arm instead of waking early.
        if (this.#now_ms() >= this.#end_ms) this.unpause();
        else this.#arm();
      },
      Math.max(0, this.#end_ms - this.#now_ms()),
    );
    this.#timer.unref();
  }
}
