// ACL CAT/DELUSER/DRYRUN/GENPASS/GETUSER/LIST/LOAD/LOG/SAVE/SETUSER/USERS/WHOAMI/HELP with Redis 7.0's
// replies and errors. The rules live in acl/; here: replies, persistence (a write rewrites
// sentinel.conf, as the next CONFIG REWRITE of Redis Sentinel would) and dropping the connections
// of a deleted user (as Redis does).
import { randomBytes } from "node:crypto";
import { CATEGORIES, categoryMembers, isCategory, userCanRun } from "./acl/index.js";
import type { AclLogEntry, AclUser } from "./acl/index.js";
import { arityOk, findCommand, findSubcommand } from "./command-table.js";
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, bulkArray, double, errorErr, integer, map, NULL_BULK, OK, simple } from "./reply.js";
import type { ClientSession, ServerContext } from "./session.js";

const NO_ACL_FILE =
  "This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

const ACL_HELP = [
  "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CAT [<category>]",
  "    List all commands that belong to <category>, or all command categories",
  "    when no category is specified.",
  "DELUSER <username> [<username> ...]",
  "    Delete a list of users.",
  "DRYRUN <username> <command> [<arg> ...]",
  "    Returns whether the user can execute the given command without executing the command.",
  "GETUSER <username>",
  "    Get the user's details.",
  "GENPASS [<bits>]",
  "    Generate a secure 256-bit user password. The optional `bits` argument can",
  "    be used to specify a different size.",
  "LIST",
  "    Show users details in config file format.",
  "LOAD",
  "    Reload users from the ACL file.",
  "LOG [<count> | RESET]",
  "    Show the ACL log entries.",
  "SAVE",
  "    Save the current config to the ACL file.",
  "SETUSER <username> <attribute> [<attribute> ...]",
  "    Create or modify a user with the specified attributes.",
  "USERS",
  "    List all the registered usernames.",
  "WHOAMI",
  "    Return the current connection username.",
  "HELP",
  "    Prints this help.",
];

function getuserReply(user: AclUser): Reply {
  const flags = [user.enabled ? "on" : "off"];
  if (user.nopass) flags.push("nopass");
  if (user.sanitize !== null) flags.push(user.sanitize);
  return map([
    ["flags", array(flags.map(bulk))],
    ["passwords", bulkArray(user.passwords)],
    ["commands", bulk([user.commands_base, ...user.command_rules].join(" "))],
    ["keys", bulk(user.all_keys ? "~*" : user.key_patterns.join(" "))],
    ["channels", bulk(user.all_channels ? "&*" : user.channel_patterns.map((p) => `&${p}`).join(" "))],
    ["selectors", array([])],
  ]);
}

function genpass(argv: readonly string[]): Reply {
  let bits = 256;
  if (argv.length > 2) {
    const given = parseStrictInteger(argv[2] ?? "");
    if (given === null || given <= 0 || given > 4096) {
      return errorErr(
        "ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
      );
    }
    bits = given;
  }
  const chars = Math.ceil(bits / 4);
  return bulk(
    randomBytes(Math.ceil(chars / 2))
      .toString("hex")
      .slice(0, chars),
  );
}

/**
 * ACL DRYRUN <user> <command> [arg ...]: the checks dispatch makes, without running the command
 * (Redis 7.0 aclCommand): a refusal is a bulk string, not an error.
 */
function dryrun(ctx: ServerContext, argv: readonly string[]): Reply {
  const username = argv[2] ?? "";
  const user = ctx.users.get(username);
  if (user === undefined) return errorErr(`User '${username}' not found`);
  const command = argv.slice(3);
  const container = findCommand(command[0] ?? "");
  // Redis's lookupCommand: a container with arguments resolves to its subcommand or to nothing.
  const spec =
    container?.subcommands !== undefined && command.length >= 2
      ? findSubcommand(container, command[1] ?? "")
      : container;
  if (spec === undefined) return errorErr(`Command '${command[0] ?? ""}' not found`);
  if (!arityOk(spec, command.length)) return errorErr(`wrong number of arguments for '${spec.name}' command`);
  if (!spec.flags.includes("no_auth") && !userCanRun(user, spec.name)) {
    return bulk(`This user has no permissions to run the '${spec.name}' command`);
  }
  return OK;
}

function logEntryReply(entry: AclLogEntry, now_ms: number): Reply {
  return map([
    ["count", integer(entry.count)],
    ["reason", bulk(entry.reason)],
    ["context", bulk(entry.context)],
    ["object", bulk(entry.object)],
    ["username", bulk(entry.username)],
    ["age-seconds", double((now_ms - entry.updated_ms) / 1000)],
    ["client-info", bulk(entry.client_info)],
  ]);
}

/** ACL LOG [<count> | RESET]: the latest denials first (acl/acl-log.ts). */
function log(ctx: ServerContext, argv: readonly string[]): Reply {
  if (argv.length > 3) {
    // The subcommand as typed, as Redis's message quotes it.
    return errorErr(`unknown subcommand or wrong number of arguments for '${argv[1] ?? ""}'. Try ACL HELP.`);
  }
  let count: number | null = null;
  if (argv.length === 3) {
    const arg = argv[2] ?? "";
    if (arg.toLowerCase() === "reset") {
      ctx.aclLog.reset();
      return OK;
    }
    count = parseStrictInteger(arg);
    if (count === null) return errorErr("value is not an integer or out of range");
  }
  const now_ms = ctx.now_ms();
  return array(ctx.aclLog.latest(count).map((entry) => logEntryReply(entry, now_ms)));
}

/** Persists the users; the change is made either way (Redis keeps it in memory until a rewrite). */
async function persisted(ctx: ServerContext, reply: Reply): Promise<Reply> {
  if (ctx.aclChanged === undefined) return reply;
  try {
    await ctx.aclChanged();
    return reply;
  } catch (failure) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    return errorErr(`ACL changed in memory, but sentinel.conf could not be rewritten: ${reason}`);
  }
}

/** `sub` is lowercase and known to exist with a valid arity. */
export function aclCommand(
  ctx: ServerContext,
  session: ClientSession,
  sub: string,
  argv: readonly string[],
): Reply | Promise<Reply> {
  const users = ctx.users;
  switch (sub) {
    case "whoami":
      return bulk(session.user);
    case "users":
      return bulkArray(users.list().map((u) => u.name));
    case "list":
      return bulkArray(users.lines().map((line) => ["user", line.name, ...line.rules].join(" ")));
    case "getuser": {
      const user = users.get(argv[2] ?? "");
      return user === undefined ? NULL_BULK : getuserReply(user);
    }
    case "cat": {
      if (argv.length > 3) return errorErr("wrong number of arguments for 'acl|cat' command");
      if (argv.length === 2) return bulkArray([...CATEGORIES]);
      const category = argv[2] ?? "";
      if (!isCategory(category)) return errorErr(`Unknown category '${category}'`);
      return bulkArray(categoryMembers(category, users.universe));
    }
    case "genpass":
      return genpass(argv);
    case "dryrun":
      return dryrun(ctx, argv);
    case "log":
      return log(ctx, argv);
    case "setuser": {
      const written = users.setUser(argv[2] ?? "", argv.slice(3));
      if (!written.ok) return errorErr(written.message);
      return persisted(ctx, OK);
    }
    case "deluser": {
      const names = argv.slice(2);
      const deleted = users.deleteUsers(names);
      if (!deleted.ok) return errorErr(deleted.message);
      for (const s of [...ctx.sessions()]) {
        if (!names.includes(s.user)) continue;
        if (s === session) session.close_after_reply = true;
        else s.kill();
      }
      return persisted(ctx, integer(deleted.deleted));
    }
    case "save":
    case "load":
      return errorErr(NO_ACL_FILE);
    case "help":
      return array(ACL_HELP.map(simple));
    default:
      throw new Error(`aclCommand: no handler for known subcommand '${sub}'`);
  }
}
