// Bearer tokens for the REST API. Several tokens may be valid at once (rotation). Each presented
// token is hashed and compared with every configured token's hash by crypto.timingSafeEqual over
// equal-length digests, without an early exit: neither the content nor the length of a token,
// nor which one matched, shows in the response time.
import { createHash, timingSafeEqual } from "node:crypto";
import { spError } from "@sentinel-plane/protocol";
import type { SpError } from "@sentinel-plane/protocol";

export interface AuthSettings {
  /** Accepted tokens; empty: changes are refused (no token configured). */
  readonly tokens: readonly string[];
  /** Reads need a token too. */
  readonly read_auth: boolean;
}

/**
 * `sentinel-plane rest-token` holds one value; several tokens are written comma-separated
 * (`rest-token tokenA,tokenB`) so the file format stays Sentinel-like.
 */
export function tokensOf(rest_token: string | null): string[] {
  if (rest_token === null) return [];
  return rest_token
    .split(",")
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/** SP_REST_READ_AUTH=yes|no|true|false|1|0 (default no: reads are open). */
export function readAuthFromEnv(value: string | undefined): boolean {
  if (value === undefined || value === "") return false;
  return ["yes", "true", "1", "on"].includes(value.trim().toLowerCase());
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

export class TokenChecker {
  readonly #digests: readonly Buffer[];
  readonly #read_auth: boolean;

  constructor(settings: AuthSettings) {
    this.#digests = settings.tokens.map(digest);
    this.#read_auth = settings.read_auth;
  }

  get readAuth(): boolean {
    return this.#read_auth;
  }

  /** null when the request may proceed, else the error to answer with. */
  check(authorization: string | undefined, change: boolean): SpError | null {
    if (!change && !this.#read_auth) return null;
    if (this.#digests.length === 0) {
      return spError("SP_ERR_FORBIDDEN", [
        "no REST token is configured on this agent (sentinel-plane rest-token): changes are disabled",
      ]);
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "");
    const presented = match?.[1];
    if (presented === undefined) {
      return spError("SP_ERR_UNAUTHORIZED", ["missing bearer token (Authorization: Bearer <token>)"]);
    }
    const given = digest(presented);
    let ok = false;
    for (const expected of this.#digests) {
      // Every digest is compared, so the time does not depend on which token matched.
      if (timingSafeEqual(given, expected)) ok = true;
    }
    return ok ? null : spError("SP_ERR_UNAUTHORIZED", ["invalid bearer token"]);
  }
}
