// Bearer tokens for the REST API. Several tokens may be valid at once (rotation). Each presented
// token is hashed and compared with every configured token's hash by crypto.timingSafeEqual over
// equal-length digests, without an early exit: neither the content nor the length of a token,
// nor which one matched, shows in the response time.
//
// Each token has a role (README, Security): `read` reads (when reads need a token at all),
// `operate` also runs failovers, switchovers and resets, `admin` also changes what is monitored
// (monitor, remove, set). A token is written `<token>` (admin, as before roles existed) or
// `<token>:<role>`; the Sentinel port's users map onto the same three roles.
// One more role stands apart, `lease`: a data-node's token for the failsafe lease route
// (routes/lease.ts, `POST /v1/internal/lease`) and nothing else; no other route accepts it, and
// that route accepts no other role. A lease token is bound to one data-node
// (`<token>:lease:<node-id>`): the route answers only requests whose node_id is that node's
// (leaseNodes), so a data-node's token cannot ask a lease, or make the agent wait, for another.
// One token per data-node, several during a rotation.
import { createHash, timingSafeEqual } from "node:crypto";
import { spError } from "@sentinel-plane/protocol";
import type { SpError } from "@sentinel-plane/protocol";
import { isRole, LEASE_ROLE, ROLE_RANK as RANK, ROLES, tokenEntryOf } from "../roles.js";
import type { Role, TokenEntry, TokenRole } from "../roles.js";

// The roles are the agent's one model (roles.ts), shared with the Sentinel port's ACL users.
export const REST_ROLES = ROLES;
export type RestRole = Role;

export function isRestRole(text: string): text is RestRole {
  return isRole(text);
}

/** The data-nodes' failsafe role (header): outside the ranking. */
export { LEASE_ROLE, tokenEntryOf };
export type { TokenRole };

/** A token's rank among the REST roles; -1 for the lease role, which ranks nowhere. */
function rankOf(role: TokenRole): number {
  return role === LEASE_ROLE ? -1 : RANK[role];
}

/**
 * The role a change route needs: operations on the current topology (failover, switchover,
 * reset, a replica's reinit, a node's reset-restarts and shutdown) and the operator's gate (pause,
 * resume, acknowledge) need `operate`; changes to what is monitored and how (monitor, remove, set)
 * `admin`.
 */
export function roleForChange(route: string): RestRole {
  return /\/(failover|switchover|reset|reinit|reset-restarts|shutdown|pause|resume|acknowledge)$/.test(route)
    ? "operate"
    : "admin";
}

export interface AuthSettings {
  /** Accepted tokens (`<token>` or `<token>:<role>`); empty: changes are refused. */
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
  readonly #digests: readonly {
    readonly digest: Buffer;
    readonly role: TokenRole;
    readonly node_id: string | null;
  }[];
  readonly #read_auth: boolean;

  constructor(settings: AuthSettings) {
    // The configuration refuses an entry tokenEntryOf cannot read (config/plane-directives.ts).
    this.#digests = settings.tokens
      .map(tokenEntryOf)
      .filter((e): e is TokenEntry => e !== null)
      .map((e) => ({ digest: digest(e.token), role: e.role, node_id: e.node_id }));
    this.#read_auth = settings.read_auth;
  }

  get readAuth(): boolean {
    return this.#read_auth;
  }

  /**
   * Who presented the token, for the audit log: `<role> token sha256:<first 8 hex digits>` of the
   * best-ranked matching token, never the token (a 32-bit prefix of a digest of a secret token
   * tells it apart from the others, nothing more); null without a valid token.
   */
  identify(authorization: string | undefined): string | null {
    const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (presented === undefined) return null;
    const given = digest(presented);
    let rank = -1;
    for (const expected of this.#digests) {
      if (timingSafeEqual(given, expected.digest)) rank = Math.max(rank, rankOf(expected.role));
    }
    if (rank < 0) return null;
    return `${REST_ROLES[rank] ?? "read"} token sha256:${given.toString("hex").slice(0, 8)}`;
  }

  /**
   * null when the request may proceed, else the error to answer with. `needed`: the role the
   * route needs; null for a read (open unless read auth is on, then any role reads).
   */
  check(authorization: string | undefined, needed: RestRole | null): SpError | null {
    if (needed === null && !this.#read_auth) return null;
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
    let rank = -1;
    for (const expected of this.#digests) {
      // Every digest is compared, so the time does not depend on which token matched.
      if (timingSafeEqual(given, expected.digest)) rank = Math.max(rank, rankOf(expected.role));
    }
    if (rank < 0) return spError("SP_ERR_UNAUTHORIZED", ["invalid bearer token"]);
    const required = needed ?? "read";
    if (rank >= RANK[required]) return null;
    const held = REST_ROLES[rank] ?? "read";
    return spError("SP_ERR_FORBIDDEN", [`this token's role is ${held}; this request needs ${required}`]);
  }

  /**
   * The lease route's check (header): a token of the lease role, and only that; null when the
   * request may proceed. Every digest is compared, as in check().
   */
  checkLease(authorization: string | undefined): SpError | null {
    const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (presented === undefined) {
      return spError("SP_ERR_UNAUTHORIZED", ["missing bearer token (Authorization: Bearer <token>)"]);
    }
    const given = digest(presented);
    let lease = false;
    for (const expected of this.#digests) {
      if (timingSafeEqual(given, expected.digest) && expected.role === LEASE_ROLE) lease = true;
    }
    return lease ? null : spError("SP_ERR_FORBIDDEN", ["this route needs a token of the lease role"]);
  }

  /**
   * The data-nodes the presented lease token may ask leases for (one, unless the same token is
   * configured for several); empty without a lease token. Every digest is compared.
   */
  leaseNodes(authorization: string | undefined): ReadonlySet<string> {
    const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    const nodes = new Set<string>();
    if (presented === undefined) return nodes;
    const given = digest(presented);
    for (const expected of this.#digests) {
      const match = timingSafeEqual(given, expected.digest);
      if (match && expected.role === LEASE_ROLE && expected.node_id !== null) nodes.add(expected.node_id);
    }
    return nodes;
  }
}
