// The JSON lines a helper process prints on stdout, kept in order and awaitable: the fixture's
// way to hear from processes inside the lab (the tap's events, the client's acknowledged writes).
import type { Readable } from "node:stream";

/** Lines kept per process: far more than a test run produces, still a bound. */
const LINES_MAX = 200_000;

interface Waiter<T> {
  readonly match: (line: T) => boolean;
  readonly resolve: (line: T) => void;
}

export class JsonLines<T> {
  readonly #lines: T[] = [];
  #partial = "";
  #waiters: Waiter<T>[] = [];
  #ended = false;
  readonly #end_waiters = new Set<() => void>();

  readonly #label: string;
  constructor(stream: Readable, label: string) {
    this.#label = label;
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      this.#take(chunk);
    });
    stream.once("close", () => {
      this.#ended = true;
      for (const wake of this.#end_waiters) wake();
    });
  }

  get lines(): readonly T[] {
    return this.#lines;
  }

  /** The first line since `since_index` (already seen or future) that matches. */
  waitFor(match: (line: T) => boolean, timeout_ms: number, since_index = 0): Promise<T> {
    const past = this.#lines.slice(since_index).find(match);
    if (past !== undefined) return Promise.resolve(past);
    return new Promise<T>((resolve, reject) => {
      const stop = (): void => {
        clearTimeout(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        this.#end_waiters.delete(ended);
      };
      const waiter: Waiter<T> = {
        match,
        resolve: (line) => {
          stop();
          resolve(line);
        },
      };
      const ended = (): void => {
        stop();
        reject(new Error(`${this.#label}: output ended before the awaited line`));
      };
      const timer = setTimeout(() => {
        stop();
        const tail = this.#lines.slice(-20).map((l) => JSON.stringify(l));
        reject(
          new Error(`${this.#label}: no awaited line within ${timeout_ms} ms; last:\n${tail.join("\n")}`),
        );
      }, timeout_ms);
      if (this.#ended) {
        ended();
        return;
      }
      this.#waiters.push(waiter);
      this.#end_waiters.add(ended);
    });
  }

  #take(chunk: string): void {
    const parts = (this.#partial + chunk).split("\n");
    this.#partial = parts.pop() ?? "";
    for (const text of parts) {
      const parsed = parseLine(text);
      if (parsed === null) continue; // not a JSON object (a stray warning)
      const line = parsed as T;
      if (this.#lines.length < LINES_MAX) this.#lines.push(line);
      for (const waiter of this.#waiters.filter((w) => w.match(line))) waiter.resolve(line);
    }
  }
}

function parseLine(text: string): unknown {
  if (!text.startsWith("{")) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
