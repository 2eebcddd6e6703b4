// The configuration's coded error. Local for now; the lead will move the code into
// @sentinel-plane/protocol's registry (where SP_ERR_CONFIG_INVALID maps to HTTP 400).

/** One refused line (or environment variable), e.g. `sentinel.conf:12: sentinel down-after-milliseconds: ...`. */
export interface ConfigProblem {
  /** The file name as given by the caller, or `env` for environment overrides. */
  readonly source: string;
  /** 1-based line; null for problems without a line (environment variables). */
  readonly line: number | null;
  /** What was being read: `sentinel monitor`, `port`, `SP_REST_PORT`... */
  readonly directive: string;
  readonly reason: string;
}

/** An accepted line that has no effect (e.g. `daemonize yes`), reported so operators know. */
export interface ConfigNote {
  readonly source: string;
  readonly line: number;
  readonly directive: string;
  readonly note: string;
}

/** At most this many problems are kept: enough to fix a file in one go, bounded for a huge one. */
export const CONFIG_PROBLEMS_MAX = 20;

export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === null ? problem.source : `${problem.source}:${problem.line}`;
  return `${where}: ${problem.directive}: ${problem.reason}`;
}

export class ConfigInvalidError extends Error {
  readonly code = "SP_ERR_CONFIG_INVALID";
  readonly status = 400;
  /** The first CONFIG_PROBLEMS_MAX problems, in line order. */
  readonly errors: readonly ConfigProblem[];
  /** How many problems were found in all (may exceed errors.length). */
  readonly total: number;

  constructor(errors: readonly ConfigProblem[], total: number) {
    if (errors.length === 0 || total < errors.length) {
      throw new Error("ConfigInvalidError: needs at least one problem and total >= errors.length");
    }
    const more = total > errors.length ? [`... and ${total - errors.length} more`] : [];
    super(`invalid configuration:\n${[...errors.map(formatProblem), ...more].join("\n")}`);
    this.name = "ConfigInvalidError";
    this.errors = errors;
    this.total = total;
  }
}

/** Collects problems in any order; reports the first CONFIG_PROBLEMS_MAX by position. */
export class ProblemList {
  readonly #kept: ConfigProblem[] = [];
  #count = 0;

  add(problem: ConfigProblem): void {
    this.#count++;
    this.#kept.push(problem);
    // Keep the list bounded while preserving the earliest lines.
    if (this.#kept.length > CONFIG_PROBLEMS_MAX * 2) this.#trim();
  }

  get total(): number {
    return this.#count;
  }

  toError(): ConfigInvalidError | null {
    if (this.#count === 0) return null;
    this.#trim();
    return new ConfigInvalidError([...this.#kept], this.#count);
  }

  #trim(): void {
    this.#kept.sort(compareProblems);
    this.#kept.length = Math.min(this.#kept.length, CONFIG_PROBLEMS_MAX);
  }
}

function compareProblems(a: ConfigProblem, b: ConfigProblem): number {
  return (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER);
}

export type Result<T, E = ConfigInvalidError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };
