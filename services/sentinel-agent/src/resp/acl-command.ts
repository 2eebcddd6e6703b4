// ACL CAT/DELUSER/DRYRUN/GENPASS/GETUSER/LIST/LOAD/LOG/SAVE/SETUSER/USERS/WHOAMI/HELP with Redis 7.0's
// replies and errors. The rules live in acl/; here: replies, persistence (a write rewrites
// sentinel.conf, as the next CONFIG REWRITE of Redis Sentinel would) and dropping the connections
// of a deleted user (as Redis does).
import { randomBytes } from "node:crypto";
import { CATEGORIES, categoryMembers, isCategory, userCanRun } from "./acl/index.js";
import type { AclLogEntry } from "./acl-log.js";
import { arityOk, findCommand, findSubcommand } from "./command-table.js";
import type { AclUser } from "./acl/index.js";
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, bulkArray, errorErr, integer, map, NULL_BULK, OK, simple } from "./reply.js";
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

/** Redis' addReplyDouble in RESP2: `%.17g`. */
function seconds(ms: number): Reply {
  const text = (ms / 1000).toPrecision(17);
  return bulk(text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
}

function logEntryReply(entry: AclLogEntry, now_ms: number): Reply {
  return map([
    ["count", integer(entry.count)],
    ["reason", bulk(entry.reason)],
    ["context", bulk(entry.context)],
    ["object", bulk(entry.object)],
    ["username", bulk(entry.username)],
    ["age-seconds", seconds(Math.max(0, now_ms - entry.updated_ms))],
    ["client-info", bulk(entry.client_info)],
  ]);
}

/** ACL LOG [<count> | RESET]: the newest entries first. */
function aclLog(ctx: ServerContext, argv: readonly string[]): Reply {
  if (argv.length > 3) {
    return errorErr("unknown subcommand or wrong number of arguments for 'LOG'. Try ACL HELP.");
  }
  const log = ctx.acl_log;
  const arg = argv[2];
  if (arg !== undefined && arg.toLowerCase() === "reset") {
    log?.reset();
    return OK;
  }
  const count = arg === undefined ? null : parseStrictInteger(arg);
  if (arg !== undefined && count === null) return errorErr("value is not an integer or out of range");
  const now_ms = ctx.now_ms();
  return array((log?.list(count) ?? []).map((entry) => logEntryReply(entry, now_ms)));
}

/** ACL DRYRUN <user> <command> [<arg> ...]: would this user be allowed to run it (Redis 7.0 acl.c). */
function aclDryrun(ctx: ServerContext, argv: readonly string[]): Reply {
  const name = argv[2] ?? "";
  const user = ctx.users.get(name);
  if (user === undefined) return errorErr(`User '${name}' not found`);
  const command = argv.slice(3);
  const container = findCommand(command[0] ?? "");
  const spec =
    container?.subcommands === undefined || command.length < 2
      ? container
      : findSubcommand(container, command[1] ?? "");
  if (spec === undefined) return errorErr(`Command '${command[0] ?? ""}' not found`);
  if (!arityOk(spec, command.length)) return errorErr(`wrong number of arguments for '${spec.name}' command`);
  if (!userCanRun(user, spec.name)) {
    return bulk(`This user has no permissions to run the '${spec.name}' command`);
  }
  return OK;
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
    case "log":
      return aclLog(ctx, argv);
    case "dryrun":
      return aclDryrun(ctx, argv);
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
