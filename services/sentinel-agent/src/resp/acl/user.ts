// One ACL user and Redis's rule language for it (acl.c ACLSetUser), for what a Sentinel port
// needs: on/off, passwords (>p, <p, #sha256, !sha256, nopass, resetpass), command rules (+@all,
// -@all, +@category, -@category, +cmd, -cmd, +cmd|sub, -cmd|sub), key and channel patterns
// (accepted and shown, as the port has no keys and its channels are the public event stream),
// the payload flags, reset. Pure: a rule maps a user to a new user or to Redis's error reason.
import { createHash } from "node:crypto";
import type { AclCommand } from "./categories.js";
import { categoryMembers, isCategory } from "./categories.js";

export interface AclUser {
  readonly name: string;
  readonly enabled: boolean;
  readonly nopass: boolean;
  /** `sanitize-payload` / `skip-sanitize-payload` as last set; null: neither. */
  readonly sanitize: "sanitize-payload" | "skip-sanitize-payload" | null;
  /** SHA-256 (lowercase hex) of each password, in the order added, no duplicates. */
  readonly passwords: readonly string[];
  /** The lowercase fullnames the user may run. */
  readonly allowed: ReadonlySet<string>;
  /** `+@all` or `-@all`: where the command rules start from (ACL LIST prints it first). */
  readonly commands_base: "+@all" | "-@all";
  /** The command rules applied since the base, in order (as Redis 7.2 keeps them). */
  readonly command_rules: readonly string[];
  readonly all_keys: boolean;
  /** `~p`, `%R~p`, `%W~p` as given. */
  readonly key_patterns: readonly string[];
  readonly all_channels: boolean;
  readonly channel_patterns: readonly string[];
}

export type RuleResult =
  { readonly ok: true; readonly user: AclUser } | { readonly ok: false; readonly reason: string };

export const SYNTAX_ERROR = "Syntax error";
const UNKNOWN_COMMAND = "Unknown command or category name in ACL";
const BAD_HASH =
  "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters";
const NO_SUCH_PASSWORD = "The password you are trying to remove from the user does not exist";

/** A user as `ACL SETUSER <name>` creates it: off, no password, no command, no key, no channel. */
export function newUser(name: string): AclUser {
  return {
    name,
    enabled: false,
    nopass: false,
    sanitize: null,
    passwords: [],
    allowed: new Set(),
    commands_base: "-@all",
    command_rules: [],
    all_keys: false,
    key_patterns: [],
    all_channels: false,
    channel_patterns: [],
  };
}

export function passwordHash(password: string): string {
  return createHash("sha256").update(password, "utf8").digest("hex");
}

function ok(user: AclUser): RuleResult {
  return { ok: true, user };
}

function fail(reason: string): RuleResult {
  return { ok: false, reason };
}

function withPassword(user: AclUser, hash: string): AclUser {
  return {
    ...user,
    nopass: false,
    passwords: user.passwords.includes(hash) ? user.passwords : [...user.passwords, hash],
  };
}

function withoutPassword(user: AclUser, hash: string): RuleResult {
  if (!user.passwords.includes(hash)) return fail(NO_SUCH_PASSWORD);
  return ok({ ...user, nopass: false, passwords: user.passwords.filter((h) => h !== hash) });
}

/** A rule for one command or subcommand replaces an earlier rule for the same one (Redis 7.2). */
function withCommandRule(user: AclUser, rule: string, allowed: Set<string>): AclUser {
  const target = rule.slice(1);
  const rules = user.command_rules.filter(
    (r) => r.startsWith("+@") || r.startsWith("-@") || r.slice(1) !== target,
  );
  return { ...user, allowed, command_rules: [...rules, rule] };
}

function commandRule(user: AclUser, rule: string, universe: readonly AclCommand[]): RuleResult {
  const add = rule.startsWith("+");
  const body = rule.slice(1).toLowerCase();
  const allowed = new Set(user.allowed);
  if (body === "@all") {
    return ok({
      ...user,
      allowed: add ? new Set(universe.map((c) => c.name)) : new Set(),
      commands_base: add ? "+@all" : "-@all",
      command_rules: [],
    });
  }
  if (body.startsWith("@")) {
    if (!isCategory(body.slice(1))) return fail(UNKNOWN_COMMAND);
    for (const name of categoryMembers(body.slice(1), universe)) {
      if (add) allowed.add(name);
      else allowed.delete(name);
    }
    return ok({ ...user, allowed, command_rules: [...user.command_rules, `${rule[0] ?? "+"}${body}`] });
  }
  const parts = body.split("|");
  if (parts.length > 2) return fail("Allowing first-arg of a subcommand is not supported");
  if (!universe.some((c) => c.name === body)) return fail(UNKNOWN_COMMAND);
  // A command grants (or revokes) its subcommands with it.
  for (const c of universe) {
    if (c.name !== body && !c.name.startsWith(`${body}|`)) continue;
    if (add) allowed.add(c.name);
    else allowed.delete(c.name);
  }
  return ok(withCommandRule(user, `${rule[0] ?? "+"}${body}`, allowed));
}

const PATTERN_AFTER_ALL = (flag: string, what: string): string =>
  `Adding a pattern after the * pattern (or the '${flag}' flag) is not valid and does not have any effect. Try 'reset${what}' to start with an empty list of patterns`;

function keyRule(user: AclUser, rule: string): RuleResult {
  const match = /^(%(?:R|W|RW|WR)~|~)(.*)$/is.exec(rule);
  if (match === null) return fail(SYNTAX_ERROR);
  const pattern = match[2] ?? "";
  const plain = (match[1] ?? "~").toUpperCase().replace("WR", "RW");
  if (pattern === "*" && (plain === "~" || plain === "%RW~"))
    return ok({ ...user, all_keys: true, key_patterns: [] });
  if (user.all_keys) return fail(PATTERN_AFTER_ALL("allkeys", "keys"));
  const written = `${plain === "%RW~" ? "~" : plain}${pattern}`;
  return ok({
    ...user,
    key_patterns: user.key_patterns.includes(written) ? user.key_patterns : [...user.key_patterns, written],
  });
}

function channelRule(user: AclUser, rule: string): RuleResult {
  const pattern = rule.slice(1);
  if (pattern === "*") return ok({ ...user, all_channels: true, channel_patterns: [] });
  if (user.all_channels) return fail(PATTERN_AFTER_ALL("allchannels", "channels"));
  return ok({
    ...user,
    channel_patterns: user.channel_patterns.includes(pattern)
      ? user.channel_patterns
      : [...user.channel_patterns, pattern],
  });
}

function hashRule(user: AclUser, rule: string): RuleResult {
  const hash = rule.slice(1);
  if (!/^[0-9a-f]{64}$/.test(hash)) return fail(BAD_HASH);
  return rule.startsWith("#") ? ok(withPassword(user, hash)) : withoutPassword(user, hash);
}

/** Applies one rule (acl.c ACLSetUser). `universe`: every command and subcommand of the port. */
export function applyRule(user: AclUser, rule: string, universe: readonly AclCommand[]): RuleResult {
  const lower = rule.toLowerCase();
  switch (lower) {
    case "on":
      return ok({ ...user, enabled: true });
    case "off":
      return ok({ ...user, enabled: false });
    case "nopass":
      return ok({ ...user, nopass: true, passwords: [] });
    case "resetpass":
      return ok({ ...user, nopass: false, passwords: [] });
    case "allkeys":
      return ok({ ...user, all_keys: true, key_patterns: [] });
    case "resetkeys":
      return ok({ ...user, all_keys: false, key_patterns: [] });
    case "allchannels":
      return ok({ ...user, all_channels: true, channel_patterns: [] });
    case "resetchannels":
      return ok({ ...user, all_channels: false, channel_patterns: [] });
    case "allcommands":
      return commandRule(user, "+@all", universe);
    case "nocommands":
      return commandRule(user, "-@all", universe);
    case "sanitize-payload":
    case "skip-sanitize-payload":
      return ok({ ...user, sanitize: lower });
    case "clearselectors":
      return ok(user);
    case "reset":
      return ok({ ...newUser(user.name), sanitize: "sanitize-payload" });
  }
  if (rule.startsWith(">")) return ok(withPassword(user, passwordHash(rule.slice(1))));
  if (rule.startsWith("<")) return withoutPassword(user, passwordHash(rule.slice(1)));
  if (rule.startsWith("#") || rule.startsWith("!")) return hashRule(user, rule);
  if (rule.startsWith("~") || rule.startsWith("%")) return keyRule(user, rule);
  if (rule.startsWith("&")) return channelRule(user, rule);
  if (rule.startsWith("+") || rule.startsWith("-")) return commandRule(user, rule, universe);
  if (rule.startsWith("(")) return fail("selectors are not supported by sentinel-plane");
  return fail(SYNTAX_ERROR);
}

/** Applies rules left to right, all or nothing: the first bad one is reported with its reason. */
export function applyRules(
  user: AclUser,
  rules: readonly string[],
  universe: readonly AclCommand[],
):
  | { readonly ok: true; readonly user: AclUser }
  | { readonly ok: false; readonly rule: string; readonly reason: string } {
  let current = user;
  for (const rule of rules) {
    const result = applyRule(current, rule, universe);
    if (!result.ok) return { ok: false, rule, reason: result.reason };
    current = result.user;
  }
  return { ok: true, user: current };
}

/** May this user run the command (lowercase fullname)? Commands flagged `no_auth` are not asked. */
export function userCanRun(user: AclUser, fullname: string): boolean {
  return user.allowed.has(fullname);
}

/** `ACL LIST`'s line for the user, without the leading `user <name>` (Redis 7 ACLDescribeUser). */
export function describeRules(user: AclUser): string[] {
  const words: string[] = [user.enabled ? "on" : "off"];
  if (user.nopass) words.push("nopass");
  if (user.sanitize !== null) words.push(user.sanitize);
  for (const hash of user.passwords) words.push(`#${hash}`);
  if (user.all_keys) words.push("~*");
  else words.push(...user.key_patterns);
  if (user.all_channels) words.push("&*");
  else words.push("resetchannels", ...user.channel_patterns.map((p) => `&${p}`));
  words.push(user.commands_base, ...user.command_rules);
  return words;
}
