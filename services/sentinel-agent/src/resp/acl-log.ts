// ACL LOG's entries, as Redis 7.0 keeps them (acl.c addACLLogEntry): a refused command
// (`reason command`, the command's full name) or a failed AUTH/HELLO AUTH (`reason auth`, object
// `AUTH`, the user name tried). An entry like one of the last ones (same reason, context, object
// and user, updated within the last 60 s) is counted there and moves to the head instead of
// adding a new one; at most acllog-max-len (128) entries, the oldest dropped first.

export const ACL_LOG_MAX_LEN = 128;
/** ACL_LOG_GROUPING_MAX_TIME_DELTA. */
const GROUPING_MAX_DELTA_MS = 60_000;
/** Redis looks for a similar entry among the newest ones only. */
const GROUPING_SEARCH_MAX = 10;

export type AclLogReason = "command" | "auth";

export interface AclLogEntry {
  readonly count: number;
  readonly reason: AclLogReason;
  readonly context: "toplevel";
  readonly object: string;
  readonly username: string;
  /** When it was last updated (the server's clock). */
  readonly updated_ms: number;
  /** CLIENT LIST's line of the connection, when last updated. */
  readonly client_info: string;
}

export class AclLog {
  /** Newest first. */
  #entries: AclLogEntry[] = [];

  add(input: {
    readonly reason: AclLogReason;
    readonly object: string;
    readonly username: string;
    readonly client_info: string;
    readonly now_ms: number;
  }): void {
    const similar = this.#entries
      .slice(0, GROUPING_SEARCH_MAX)
      .findIndex(
        (e) =>
          e.reason === input.reason &&
          e.object === input.object &&
          e.username === input.username &&
          input.now_ms - e.updated_ms < GROUPING_MAX_DELTA_MS,
      );
    const previous = similar < 0 ? undefined : this.#entries[similar];
    if (previous !== undefined) this.#entries.splice(similar, 1);
    this.#entries.unshift({
      count: (previous?.count ?? 0) + 1,
      reason: input.reason,
      context: "toplevel",
      object: input.object,
      username: input.username,
      updated_ms: input.now_ms,
      client_info: input.client_info,
    });
    if (this.#entries.length > ACL_LOG_MAX_LEN) this.#entries.length = ACL_LOG_MAX_LEN;
  }

  /** The newest `count` entries (all when null). */
  list(count: number | null): readonly AclLogEntry[] {
    return count === null ? [...this.#entries] : this.#entries.slice(0, Math.max(0, count));
  }

  reset(): void {
    this.#entries = [];
  }
}
