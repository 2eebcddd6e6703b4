// `reinit` of a broken replica (issue 18): drop its data and resync it in full from the
// committed primary, as Patroni's `patronictl reinit` does for postgres. Done by the supervisor:
// stop redis-server, remove its RDB and AOF files, start it again as the primary's replica (a
// fresh process has no replication id, so the primary sends a full copy). An in-place
// `FLUSHALL` would not do: the replica keeps its replication id and offset, and a partial
// resync would keep the flushed data missing. These are the pure parts.
import { isAbsolute, join } from "node:path";
import type { Address } from "@sentinel-plane/core";
import { sameAddress } from "@sentinel-plane/core";

export type ReinitCheck =
  | { readonly ok: true; readonly primary: Address }
  | {
      readonly ok: false;
      readonly code: "SP_ERR_ADMIN_REFUSED" | "SP_ERR_REDIS_UNAVAILABLE";
      readonly reason: string;
    };

/** Only a supervised replica with a known, other, committed primary is reinitialised. */
export function checkReinit(input: {
  readonly supervised: boolean;
  readonly answered: boolean;
  readonly role: "master" | "slave" | null;
  readonly committed_primary: Address | null;
  readonly self: Address;
}): ReinitCheck {
  if (!input.supervised) {
    return {
      ok: false,
      code: "SP_ERR_ADMIN_REFUSED",
      reason: "attach mode: this data-node does not run redis-server",
    };
  }
  if (!input.answered)
    return { ok: false, code: "SP_ERR_REDIS_UNAVAILABLE", reason: "no answer from redis-server" };
  const primary = input.committed_primary;
  if (input.role === "master" || (primary !== null && sameAddress(primary, input.self))) {
    return { ok: false, code: "SP_ERR_ADMIN_REFUSED", reason: "reinit drops the data: refused on a primary" };
  }
  if (primary === null) {
    return { ok: false, code: "SP_ERR_ADMIN_REFUSED", reason: "no committed primary known to resync from" };
  }
  return { ok: true, primary };
}

/**
 * The files holding the server's data, from CONFIG GET dir, dbfilename, appenddirname (Redis 7:
 * a directory of AOF files) and appendfilename (Redis 6: one file in dir).
 */
export function dataFiles(config: ReadonlyMap<string, string>): string[] {
  const dir = config.get("dir");
  if (dir === undefined || !isAbsolute(dir)) return [];
  const files: string[] = [];
  for (const name of ["dbfilename", "appenddirname", "appendfilename"]) {
    const value = config.get(name);
    // A bare file name only: never a path that could leave the data directory.
    if (value !== undefined && value !== "" && !value.includes("/") && value !== "." && value !== "..") {
      files.push(join(dir, value));
    }
  }
  return files;
}
