// Operating errors of the CLI, each with the exit code scripts can rely on:
// 1 the API refused (problem+json), 2 bad usage or local state, 3 no agent reachable,
// 4 a wait ran out (e.g. the primary did not change in time), 5 a local cluster failed to start.
export const EXIT = {
  ok: 0,
  refused: 1,
  usage: 2,
  unreachable: 3,
  timeout: 4,
  start_failed: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly exit_code: ExitCode;
  /** problem+json `code` (SP_ERR_*) or our own CLI_* code, printed first. */
  readonly code: string;
  readonly detail: string;

  constructor(exit_code: ExitCode, code: string, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.exit_code = exit_code;
    this.code = code;
    this.detail = detail;
  }
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause;
    const code = typeof cause === "object" && cause !== null && "code" in cause ? cause.code : undefined;
    if (typeof code === "string") return `${error.message} (${code})`;
    // fetch's "fetch failed" says nothing: the reason is in its cause.
    return cause instanceof Error && cause.message !== error.message
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}

/**
 * The `code` of a Node system error (`ENOENT`, `EPERM` ...); undefined for other values. The
 * same as @sentinel-plane/protocol's errnoCode, which the CLI does not load for every command.
 */
export function errnoCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
