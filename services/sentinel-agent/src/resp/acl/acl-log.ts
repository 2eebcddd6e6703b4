// ACL LOG's memory, as Redis 7.0 keeps it (acl.c addACLLogEntry): the latest denials first, at
// most `max_len` entries (acllog-max-len, 128 by default), and a denial like a recent one (same
// reason, context, object and user, within 60 s of its last update) counted on that entry instead
// of added, so a client retrying a refused command does not flood the log. Pure: time comes in.

/** Redis 7.0's reasons; Sentinel has no keys, so `key` never occurs here. */
export type AclDenial = "auth" | "command" | "channel";

export interface AclLogEntry {
  readonly count: number;
  readonly reason: AclDenial;
  /** `toplevel` for a command sent by a client (no MULTI or scripts on a Sentinel port). */
  readonly context: "toplevel";
  /** The command's fullname, the channel, or `auth` for a failed login. */
  readonly object: string;
  readonly username: string;
  readonly created_ms: number;
  readonly updated_ms: number;
  /** The client's CLIENT INFO line at the last update. */
  readonly client_info: string;
}

export const ACL_LOG_MAX_LEN_DEFAULT = 128;
const GROUPING_MAX_DELTA_MS = 60_000;

export class AclLog {
  /** Newest first. */
  #entries: AclLogEntry[] = [];
  readonly #max_len: number;

  constructor(max_len: number = ACL_LOG_MAX_LEN_DEFAULT) {
    if (!Number.isSafeInteger(max_len) || max_len < 0) throw new Error(`AclLog: bad max_len ${max_len}`);
    this.#max_len = max_len;
  }

  record(
    denial: {
      readonly reason: AclDenial;
      readonly object: string;
      readonly username: string;
      readonly client_info: string;
    },
    now_ms: number,
  ): void {
    const similar = this.#entries.findIndex(
      (e) =>
        e.reason === denial.reason &&
        e.object === denial.object &&
        e.username === denial.username &&
        now_ms - e.updated_ms < GROUPING_MAX_DELTA_MS,
    );
    if (similar >= 0) {
      const entry = this.#entries[similar];
      if (entry === undefined) throw new Error("AclLog: entry vanished");
      // Redis updates the entry in place and moves it to the head of the list.
      this.#entries.splice(similar, 1);
      this.#entries.unshift({
        ...entry,
        count: entry.count + 1,
        updated_ms: now_ms,
        client_info: denial.client_info,
      });
      return;
    }
    this.#entries.unshift({
      count: 1,
      context: "toplevel",
      created_ms: now_ms,
      updated_ms: now_ms,
      ...denial,
    });
    if (this.#entries.length > this.#max_len) this.#entries.length = this.#max_len;
  }

  /** The `count` latest entries (all when null), newest first. */
  latest(count: number | null): readonly AclLogEntry[] {
    return count === null ? [...this.#entries] : this.#entries.slice(0, Math.max(0, count));
  }

  reset(): void {
    this.#entries = [];
  }
}
