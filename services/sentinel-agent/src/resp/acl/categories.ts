// ACL categories on the Sentinel port: Redis 7.0's own (ACL CAT on redis-sentinel 7.0.15 lists
// these 21, in this order), whose members are the commands' `acl` flags in command-table.ts, and
// three of ours that grant exactly one role of the agent's model (roles.ts): `+@sp-read` lets a
// user read, `+@sp-operate` also fail over and reset, `+@sp-admin` everything.
import type { Role } from "../../roles.js";
import { ROLES, respCommandRole, roleCovers } from "../../roles.js";

export const REDIS_CATEGORIES = [
  "keyspace",
  "read",
  "write",
  "set",
  "sortedset",
  "list",
  "hash",
  "string",
  "bitmap",
  "hyperloglog",
  "geo",
  "stream",
  "pubsub",
  "admin",
  "fast",
  "slow",
  "blocking",
  "dangerous",
  "connection",
  "transaction",
  "scripting",
] as const;

const ROLE_CATEGORY: Readonly<Record<Role, string>> = {
  read: "sp-read",
  operate: "sp-operate",
  admin: "sp-admin",
};

export const CATEGORIES: readonly string[] = [...REDIS_CATEGORIES, ...ROLES.map((r) => ROLE_CATEGORY[r])];

/** One command or subcommand as ACL rules see it: Redis's fullname and its categories. */
export interface AclCommand {
  /** Lowercase; `container|sub` for a subcommand. */
  readonly name: string;
  /** Without `@`. */
  readonly categories: readonly string[];
}

function roleOfCategory(category: string): Role | null {
  return ROLES.find((r) => ROLE_CATEGORY[r] === category) ?? null;
}

export function isCategory(name: string): boolean {
  return CATEGORIES.includes(name.toLowerCase());
}

/**
 * The commands a category holds. A role category holds every command the role may run; the
 * containers `sentinel`, `client` and `acl` need admin (roles.ts), as granting one grants all of
 * its subcommands.
 */
export function categoryMembers(category: string, universe: readonly AclCommand[]): string[] {
  const lowered = category.toLowerCase();
  const role = roleOfCategory(lowered);
  if (role !== null) {
    return universe.filter((c) => roleCovers(role, respCommandRole(c.name))).map((c) => c.name);
  }
  return universe.filter((c) => c.categories.includes(lowered)).map((c) => c.name);
}
