// The Sentinel port's ACL users, as Redis keeps them (acl.c): a `default` user that always exists
// (`on nopass ~* &* +@all` unless configured), `requirepass` as the default user's password, the
// `user` lines of sentinel.conf, and ACL SETUSER / DELUSER at run time. Pure data and rules: the
// caller persists (ACL writes rewrite sentinel.conf) and disconnects clients.
import { timingSafeEqual } from "node:crypto";
import type { AclCommand } from "./categories.js";
import type { AclUser } from "./user.js";
import { applyRules, describeRules, newUser, passwordHash } from "./user.js";

export const DEFAULT_USER = "default";

/** One `user <name> <rules...>` line. */
export interface AclUserLine {
  readonly name: string;
  readonly rules: readonly string[];
}

export type AclWriteResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

function defaultUser(requirepass: string | null, universe: readonly AclCommand[]): AclUser {
  const rules = ["on", requirepass === null ? "nopass" : `>${requirepass}`, "~*", "&*", "+@all"];
  const result = applyRules(newUser(DEFAULT_USER), rules, universe);
  // Fixed rules over the port's own command table: failing here is a programming error.
  if (!result.ok) throw new Error(`default user: ${result.reason}`);
  return result.user;
}

/** Redis: user names may not contain spaces (ACLSetUser refuses them as a syntax error). */
export function userNameProblem(name: string): string | null {
  let control = false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) control = true;
  }
  if (name.length === 0 || /\s/.test(name) || control)
    return "Usernames can't contain spaces or null characters";
  return null;
}

export class AclUsers {
  readonly #universe: readonly AclCommand[];
  readonly #users = new Map<string, AclUser>();

  private constructor(universe: readonly AclCommand[], users: Iterable<AclUser>) {
    this.#universe = universe;
    for (const user of users) this.#users.set(user.name, user);
  }

  /**
   * The users a configuration defines: `requirepass` gives the default user its password, then
   * each `user` line applies its rules (a `default` line starting from `reset`, as Redis's loader
   * does). Errors name the line's user and rule.
   */
  static fromConfig(
    requirepass: string | null,
    lines: readonly AclUserLine[],
    universe: readonly AclCommand[],
  ): { readonly ok: true; readonly users: AclUsers } | { readonly ok: false; readonly errors: string[] } {
    const users = new Map<string, AclUser>([[DEFAULT_USER, defaultUser(requirepass, universe)]]);
    const seen = new Set<string>();
    const errors: string[] = [];
    for (const line of lines) {
      const problem = userNameProblem(line.name);
      if (problem !== null) {
        errors.push(problem);
        continue;
      }
      if (seen.has(line.name)) {
        errors.push(`Duplicate user '${line.name}' found`);
        continue;
      }
      seen.add(line.name);
      const start = line.name === DEFAULT_USER ? "reset" : null;
      const result = applyRules(
        newUser(line.name),
        start === null ? line.rules : [start, ...line.rules],
        universe,
      );
      if (!result.ok) {
        errors.push(`Error in user declaration '${line.name}': ${result.rule}: ${result.reason}`);
        continue;
      }
      users.set(line.name, result.user);
    }
    if (errors.length > 0) return { ok: false, errors };
    return { ok: true, users: new AclUsers(universe, users.values()) };
  }

  get universe(): readonly AclCommand[] {
    return this.#universe;
  }

  get(name: string): AclUser | undefined {
    return this.#users.get(name);
  }

  /** Sorted by name, as Redis's radix tree lists them. */
  list(): AclUser[] {
    return [...this.#users.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** `user <name> <rules>` lines, as ACL LIST prints and CONFIG REWRITE writes them. */
  lines(): AclUserLine[] {
    return this.list().map((u) => ({ name: u.name, rules: describeRules(u) }));
  }

  /** Clients need AUTH unless the default user is on and has nopass (acl.c authRequired). */
  get authRequired(): boolean {
    const user = this.#users.get(DEFAULT_USER);
    return user === undefined || !user.enabled || !user.nopass;
  }

  /**
   * The user AUTH (or HELLO AUTH) logs in, or null: unknown, disabled or wrong password. Every
   * stored hash is compared in constant time, without an early exit.
   */
  authenticate(name: string, password: string): AclUser | null {
    const user = this.#users.get(name);
    if (user === undefined || !user.enabled) return null;
    if (user.nopass) return user;
    const given = Buffer.from(passwordHash(password), "hex");
    let match = false;
    for (const hash of user.passwords) {
      if (timingSafeEqual(given, Buffer.from(hash, "hex"))) match = true;
    }
    return match ? user : null;
  }

  /** ACL SETUSER: creates the user if needed; all rules or none (Redis's error text). */
  setUser(name: string, rules: readonly string[]): AclWriteResult {
    if (userNameProblem(name) !== null)
      return { ok: false, message: "Usernames can't contain spaces or null characters" };
    const result = applyRules(this.#users.get(name) ?? newUser(name), rules, this.#universe);
    if (!result.ok) {
      return { ok: false, message: `Error in ACL SETUSER modifier '${result.rule}': ${result.reason}` };
    }
    this.#users.set(name, result.user);
    return { ok: true };
  }

  /** ACL DELUSER: how many existed; the default user cannot be removed. */
  deleteUsers(
    names: readonly string[],
  ): { readonly ok: true; readonly deleted: number } | { readonly ok: false; readonly message: string } {
    if (names.includes(DEFAULT_USER)) return { ok: false, message: "The 'default' user cannot be removed" };
    let deleted = 0;
    for (const name of names) if (this.#users.delete(name)) deleted++;
    return { ok: true, deleted };
  }
}
