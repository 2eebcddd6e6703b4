// A node service of this repository run as a real process (`node --import tsx <entry>`), its
// JSON log lines parsed so a test can await "the line where X happened".
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ManagedProcess } from "./managed-process.js";
import type { ExitInfo } from "./managed-process.js";
import { isJsonObject } from "@sentinel-plane/protocol";

export type LogRecord = Readonly<Record<string, unknown>>;

export interface ServiceOptions {
  readonly name: string;
  /** Entry file relative to the repository root, e.g. `services/data-node/src/main.ts`. */
  readonly entry: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 16; depth++) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && "workspaces" in (JSON.parse(readFileSync(manifest, "utf8")) as object))
      return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error("repository root not found");
}

export function parseLogRecord(line: string): LogRecord | null {
  if (!line.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(line);
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

export class ServiceProcess {
  readonly options: ServiceOptions;
  readonly process: ManagedProcess;
  readonly #signal: AbortSignal;

  constructor(options: ServiceOptions, log_path: string, signal: AbortSignal) {
    this.options = options;
    this.#signal = signal;
    this.process = ManagedProcess.spawn({
      name: options.name,
      command: process.execPath,
      args: ["--import", "tsx", options.entry, ...(options.args ?? [])],
      log_path,
      cwd: repoRoot(),
      ...(options.env === undefined ? {} : { env: options.env }),
    });
  }

  get pid(): number {
    return this.process.pid;
  }

  get exited(): Promise<ExitInfo> {
    return this.process.exited;
  }

  lineCount(): number {
    return this.process.lineCount();
  }

  /** Resolves with the first JSON log record matching `predicate` (see WaitOptions.since). */
  async waitForLog(
    predicate: (record: LogRecord) => boolean,
    options: { readonly timeout_ms: number; readonly since?: number },
  ): Promise<LogRecord> {
    const line = await this.process.waitForLine(
      (text) => {
        const record = parseLogRecord(text);
        return record !== null && predicate(record);
      },
      { ...options, signal: this.#signal },
    );
    const record = parseLogRecord(line);
    if (record === null) throw new Error("unreachable: matched line is not JSON");
    return record;
  }

  stop(grace_ms = 2000): Promise<ExitInfo> {
    return this.process.stop(grace_ms);
  }

  kill(signal: NodeJS.Signals): void {
    this.process.killNow(signal);
  }
}
