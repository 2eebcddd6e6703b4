// The one role model of the agent's interfaces (README, Security): `read` reads, `operate` also
// acts on the current topology (failover, reset, maintenance gate), `admin` also changes what is
// monitored and how, and who may do it. REST tokens carry a role (rest/auth.ts); a Sentinel-port
// ACL user's permissions are measured against the same table (resp/acl/role.ts), and the
// `@sp-read`/`@sp-operate`/`@sp-admin` ACL categories grant exactly a role's commands.
import { isValidId } from "@sentinel-plane/protocol";

export const ROLES = ["read", "operate", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** A REST token's role outside the ladder: the data-node's failsafe lease route, nothing else (rest/auth.ts). */
export const LEASE_ROLE = "lease";
/** Every role a REST token may carry. */
export const TOKEN_ROLES = [...ROLES, LEASE_ROLE] as const;

export type TokenRole = Role | typeof LEASE_ROLE;

/** One configured REST token: its role and, for the lease role, the one data-node it speaks for. */
export interface TokenEntry {
  readonly token: string;
  readonly role: TokenRole;
  /** The data-node id a lease token may ask leases for; null for the other roles. */
  readonly node_id: string | null;
}

const BOUND_LEASE = /^(.+):lease:([^:]*)$/;

/**
 * `<token>` (admin), `<token>:<role>`, or `<token>:lease:<node-id>`: a lease token names the
 * data-node it belongs to, so that its holder can ask a lease for that node only. A suffix that
 * is no role is part of the token. null: a lease entry without a valid node id (refused by the
 * configuration, README "Security").
 */
export function tokenEntryOf(entry: string): TokenEntry | null {
  const bound = BOUND_LEASE.exec(entry);
  if (bound !== null) {
    const [, token = "", node_id = ""] = bound;
    return isValidId(node_id) ? { token, role: LEASE_ROLE, node_id } : null;
  }
  const at = entry.lastIndexOf(":");
  const suffix = at < 0 ? "" : entry.slice(at + 1);
  if (at > 0 && suffix === LEASE_ROLE) return null;
  if (at > 0 && isRole(suffix)) return { token: entry.slice(0, at), role: suffix, node_id: null };
  return { token: entry, role: "admin", node_id: null };
}

export const ROLE_RANK: Readonly<Record<Role, number>> = { read: 0, operate: 1, admin: 2 };

export function isRole(text: string): text is Role {
  return ROLES.some((role) => role === text);
}

/** A holder of `held` may do what `needed` allows (roles are cumulative). */
export function roleCovers(held: Role, needed: Role): boolean {
  return ROLE_RANK[held] >= ROLE_RANK[needed];
}

/**
 * The role each Sentinel-port command needs, by Redis fullname (`sentinel|failover`). Commands a
 * client library sends while connecting (HELLO, CLIENT SETNAME/SETINFO, COMMAND) and reads are
 * `read`; AUTH, HELLO and QUIT are also run by users who hold no role at all (Redis never applies
 * command rules to them). A command missing here needs `admin` (fail closed).
 */
const RESP_COMMAND_ROLES: Readonly<Record<Role, readonly string[]>> = {
  read: [
    "ping",
    "hello",
    "auth",
    "quit",
    "info",
    "role",
    "publish",
    "subscribe",
    "psubscribe",
    "unsubscribe",
    "punsubscribe",
    "client|id",
    "client|getname",
    "client|setname",
    "client|info",
    "client|setinfo",
    "client|help",
    "client|caching",
    "client|getredir",
    "client|reply",
    "client|tracking",
    "client|trackinginfo",
    "command|info",
    "command|count",
    "command|docs",
    "command|getkeys",
    "command|list",
    "command|help",
    "command",
    "acl|whoami",
    "acl|cat",
    "acl|genpass",
    "acl|help",
    "sentinel|masters",
    "sentinel|master",
    "sentinel|replicas",
    "sentinel|slaves",
    "sentinel|sentinels",
    "sentinel|get-master-addr-by-name",
    "sentinel|myid",
    "sentinel|ckquorum",
    "sentinel|info-cache",
    "sentinel|pending-scripts",
    "sentinel|is-master-down-by-addr",
    "sentinel|help",
  ],
  operate: [
    "sentinel|failover",
    "sentinel|reset",
    "sentinel|pause",
    "sentinel|resume",
    "sentinel|ack-failover",
  ],
  admin: [
    "sentinel|monitor",
    "sentinel|remove",
    "sentinel|set",
    "sentinel|config",
    "sentinel|flushconfig",
    "sentinel|simulate-failure",
    "sentinel|debug",
    "client|list",
    "client|kill",
    "client|no-evict",
    "client|pause",
    "client|unpause",
    "client|unblock",
    "shutdown",
    "acl|setuser",
    "acl|deluser",
    "acl|getuser",
    "acl|list",
    "acl|users",
    "acl|save",
    "acl|load",
    "acl|log",
    "acl|dryrun",
  ],
};

const ROLE_OF_COMMAND: ReadonlyMap<string, Role> = new Map(
  ROLES.flatMap((role) => RESP_COMMAND_ROLES[role].map((name) => [name, role] as const)),
);

/** The role a Sentinel-port command (lowercase fullname) needs. */
export function respCommandRole(fullname: string): Role {
  return ROLE_OF_COMMAND.get(fullname) ?? "admin";
}
