// The data-node's command queue: an agent's commands, the self-fences, strict mode's fences and the
// end of a held restart change the server one at a time, in the order they were queued, so an
// epoch check and a fence never interleave on the server's connection. node.ts and the simulator
// both queue through this one (they each kept a promise chain of their own until 2026-12-05).

const ended = (): undefined => undefined;

export class CommandQueue {
  #tail: Promise<void> = Promise.resolve();
  /** Agent commands admitted and not ended (the bound on what waits: admit). */
  #admitted = 0;

  /**
   * Runs `change` once everything queued before it has ended, resolved or rejected. Its outcome
   * is the caller's; the queue goes on either way.
   */
  run<T>(change: () => Promise<T>): Promise<T> {
    const running = this.#tail.then(change);
    this.#tail = running.then(ended, ended);
    return running;
  }

  /**
   * An agent's command, queued unless `max_waiting` of them already wait or run (null: refused,
   * the agent hears SP_ERR_OVERLOADED). Self-fences are not counted: they are never refused.
   */
  admit<T>(max_waiting: number, change: () => Promise<T>): Promise<T> | null {
    if (this.#admitted >= max_waiting) return null;
    this.#admitted++;
    const running = this.run(change);
    const release = (): void => {
      this.#admitted--;
    };
    running.then(release, release);
    return running;
  }

  /** Agent commands waiting or running. */
  get admitted(): number {
    return this.#admitted;
  }
}
