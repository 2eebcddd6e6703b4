// A logger whose JSON lines a test can await (no sleeps): every line is parsed and kept.
import { Writable } from "node:stream";
import { createLogger } from "@sentinel-plane/runtime";
import type { Logger } from "@sentinel-plane/runtime";

export type LogLine = Readonly<Record<string, unknown>>;

export class LogLines {
  readonly lines: LogLine[] = [];
  readonly logger: Logger;
  #waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];

  constructor(service: string) {
    const stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString("utf8").split("\n")) {
          if (text.trim() !== "") this.#push(JSON.parse(text) as LogLine);
        }
        done();
      },
    });
    this.logger = createLogger({ service, level: "debug", destination: stream });
  }

  #push(line: LogLine): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.match(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** The first line (already logged or future) with this event, after `since` lines. */
  event(event: string, timeout_ms: number, since = 0): Promise<LogLine> {
    const match = (line: LogLine): boolean => line["event"] === event;
    const past = this.lines.slice(since).find(match);
    if (past !== undefined) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ${event} log line within ${timeout_ms} ms`));
      }, timeout_ms);
      this.#waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }
}
