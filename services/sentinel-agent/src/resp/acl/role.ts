// Which of the agent's roles (roles.ts) an ACL user's permissions amount to: the highest role
// all of whose commands the user may run. A user granted `+@sp-operate` is `operate`; `+@all` is
// `admin`; a user allowed less than every read command has no role (null), and one allowed
// some admin commands but not all of them stays at the role below.
import type { Role } from "../../roles.js";
import { ROLES, respCommandRole, roleCovers } from "../../roles.js";
import type { AclCommand } from "./categories.js";
import type { AclUser } from "./user.js";

export function userRole(user: AclUser, universe: readonly AclCommand[]): Role | null {
  let held: Role | null = null;
  for (const role of ROLES) {
    const needed = universe.filter((c) => roleCovers(role, respCommandRole(c.name)));
    if (!needed.every((c) => user.allowed.has(c.name))) break;
    held = role;
  }
  return held;
}
