// JSON-lines logs: one object per line with time, level, service, msg and the fields given.
// pino writes synchronously to stdout, so a line is out before the call returns (tests await
// log lines; a crash loses nothing already logged).
import { pino } from "pino";
import type { Logger as PinoLogger } from "pino";

export type Logger = PinoLogger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  readonly service: string;
  readonly level: LogLevel;
  /** Extra fields on every line (e.g. node_id). */
  readonly base?: Readonly<Record<string, string | number>>;
  /** Where lines go; stdout when absent. Tests pass a stream to capture them. */
  readonly destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const config = {
    level: options.level,
    messageKey: "msg",
    base: { service: options.service, ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.destination !== undefined) return pino(config, options.destination);
  return pino(config, pino.destination({ dest: 1, sync: true }));
}

/** The message of anything thrown, for log fields and replies. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
