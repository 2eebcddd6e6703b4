// The bounded buffer in front of a journal: records wait here while JetStream is away and are
// appended in order once it is back. When full, the oldest record is dropped and counted (the
// agent keeps working; an audit gap is logged and in the metrics, never a stalled request).

export interface JournalEntry {
  /** JetStream's `Nats-Msg-Id`: a record appended twice within the duplicate window is kept once. */
  readonly msg_id: string;
  readonly data: string;
}

export class JournalQueue {
  readonly #entries: JournalEntry[] = [];
  readonly #max: number;
  #dropped = 0;

  constructor(entries_max: number) {
    if (!Number.isInteger(entries_max) || entries_max < 1) {
      throw new Error(`journal queue: entries_max must be a positive integer, got ${entries_max}`);
    }
    this.#max = entries_max;
  }

  /** Adds a record; returns the one dropped to make room, if any. */
  push(entry: JournalEntry): JournalEntry | null {
    this.#entries.push(entry);
    if (this.#entries.length <= this.#max) return null;
    this.#dropped += 1;
    return this.#entries.shift() ?? null;
  }

  peek(): JournalEntry | null {
    return this.#entries[0] ?? null;
  }

  /** Removes the head once it is appended. */
  shift(): void {
    this.#entries.shift();
  }

  get size(): number {
    return this.#entries.length;
  }

  /** Records dropped because the queue was full, since it was created. */
  get dropped(): number {
    return this.#dropped;
  }
}
