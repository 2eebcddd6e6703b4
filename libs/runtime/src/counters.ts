// In-process counters (malformed messages, commands by outcome...). Label sets are bounded so a
// flood of distinct bad inputs cannot grow memory: past `series_max`, new series fold into one.
export class Counters {
  readonly #values = new Map<string, number>();
  readonly #series_max: number;

  constructor(series_max = 256) {
    if (!Number.isInteger(series_max) || series_max < 1) throw new Error("series_max must be >= 1");
    this.#series_max = series_max;
  }

  static key(name: string, labels: Readonly<Record<string, string>> = {}): string {
    const parts = Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`);
    return parts.length === 0 ? name : `${name}{${parts.join(",")}}`;
  }

  /** Adds `by` and returns the new value. */
  inc(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): number {
    let key = Counters.key(name, labels);
    if (!this.#values.has(key) && this.#values.size >= this.#series_max)
      key = Counters.key(name, { overflow: "true" });
    const next = (this.#values.get(key) ?? 0) + by;
    this.#values.set(key, next);
    return next;
  }

  get(name: string, labels: Readonly<Record<string, string>> = {}): number {
    return this.#values.get(Counters.key(name, labels)) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.#values);
  }
}
