// Connection commands: PING, QUIT, AUTH, HELLO, CLIENT ... with Redis 7's replies and errors.
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, error, errorErr, integer, map, NULL_BULK, OK, simple } from "./reply.js";
import type { ClientSession, ServerContext } from "./session.js";
import { DEFAULT_USER } from "./acl/index.js";
import { cachingCommand, getRedirReply, trackingCommand, trackingInfoReply } from "./client-tracking.js";

const WRONGPASS = error("WRONGPASS invalid username-password pair or user is disabled.");
const SYNTAX_ERROR = errorErr("syntax error");
const BAD_NAME = errorErr("Client names cannot contain spaces, newlines or special characters.");

/** Redis accepts names of printable ASCII without spaces ('!'..'~'). */
function validName(name: string): boolean {
  return /^[!-~]*$/.test(name);
}

export function pingCommand(session: ClientSession, argv: readonly Buffer[]): Reply {
  if (argv.length > 2) return errorErr("wrong number of arguments for 'ping' command");
  const message = argv[1];
  // RESP2 clients in subscribed mode get a multibulk, as Redis does.
  if (session.protocol === 2 && (session.channels.size > 0 || session.patterns.size > 0)) {
    return array([bulk("pong"), bulk(message ?? "")]);
  }
  return message === undefined ? simple("PONG") : bulk(message);
}

export function quitCommand(session: ClientSession): Reply {
  session.close_after_reply = true;
  return OK;
}

/** Logs the connection in as the user when the password is right (acl.c ACLAuthenticateUser). */
/** `command` is the AUTH or HELLO as typed: ACL LOG names a failed login by it, as Redis does. */
function logIn(
  ctx: ServerContext,
  session: ClientSession,
  command: string,
  user: string,
  password: string,
): boolean {
  const found = ctx.users.authenticate(user, password);
  if (found === null) {
    ctx.aclLog.record(
      { reason: "auth", object: command, username: user, client_info: clientInfoLine(ctx, session) },
      ctx.now_ms(),
    );
    return false;
  }
  session.user = found.name;
  session.authenticated = true;
  return true;
}

export function authCommand(ctx: ServerContext, session: ClientSession, argv: readonly string[]): Reply {
  if (argv.length > 3) return SYNTAX_ERROR;
  if (argv.length === 2) {
    if (ctx.users.get(DEFAULT_USER)?.nopass === true) {
      return errorErr(
        "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
      );
    }
    if (!logIn(ctx, session, argv[0] ?? "", DEFAULT_USER, argv[1] ?? "")) return WRONGPASS;
  } else if (!logIn(ctx, session, argv[0] ?? "", argv[1] ?? "", argv[2] ?? "")) {
    return WRONGPASS;
  }
  return OK;
}

export function helloCommand(ctx: ServerContext, session: ClientSession, argv: readonly string[]): Reply {
  let protocol = session.protocol;
  if (argv.length >= 2) {
    const version = parseStrictInteger(argv[1] ?? "");
    if (version === null) return errorErr("Protocol version is not an integer or out of range");
    if (version !== 2 && version !== 3) return error("NOPROTO unsupported protocol version");
    protocol = version;
  }
  let credentials: [string, string] | null = null;
  let name: string | null = null;
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j] ?? "";
    const moreargs = argv.length - 1 - j;
    if (option.toLowerCase() === "auth" && moreargs >= 2) {
      credentials = [argv[j + 1] ?? "", argv[j + 2] ?? ""];
      j += 2;
    } else if (option.toLowerCase() === "setname" && moreargs >= 1) {
      name = argv[++j] ?? "";
      if (!validName(name)) return BAD_NAME;
    } else {
      return errorErr(`Syntax error in HELLO option '${option}'`);
    }
  }
  if (credentials !== null && !logIn(ctx, session, argv[0] ?? "", credentials[0], credentials[1]))
    return WRONGPASS;
  if (ctx.users.authRequired && !session.authenticated) {
    return error(
      "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
    );
  }
  if (name !== null) session.name = name.length === 0 ? null : name;
  session.protocol = protocol;
  return map([
    ["server", bulk("redis")],
    ["version", bulk(ctx.redis_version)],
    ["proto", integer(protocol)],
    ["id", integer(session.id)],
    ["mode", bulk("sentinel")],
    ["modules", array([])],
  ]);
}

/** Redis 7.0's flag letters, in its order, for the flags a Sentinel client can have. */
function clientFlags(s: ClientSession): string {
  let flags = "";
  if (s.channels.size > 0 || s.patterns.size > 0) flags += "P";
  if (s.tracking.on) flags += "t";
  if (s.tracking.on && s.tracking.bcast) flags += "B";
  if (s.no_evict) flags += "e";
  return flags.length === 0 ? "N" : flags;
}

/** CLIENT LIST / KILL TYPE: a Sentinel has no master or replica clients, so those match none. */
type ClientType = "normal" | "pubsub" | "master" | "replica";

function clientTypeByName(name: string): ClientType | null {
  const lowered = name.toLowerCase();
  if (lowered === "slave") return "replica";
  return lowered === "normal" || lowered === "pubsub" || lowered === "master" || lowered === "replica"
    ? lowered
    : null;
}

function clientType(s: ClientSession): ClientType {
  return s.channels.size > 0 || s.patterns.size > 0 ? "pubsub" : "normal";
}

/** One `CLIENT LIST` / `CLIENT INFO` line, with Redis 7.0's keys. */
export function clientInfoLine(ctx: ServerContext, s: ClientSession): string {
  const now = ctx.now_ms();
  const fields: [string, string | number][] = [
    ["id", s.id],
    ["addr", s.remote_address],
    ["laddr", s.local_address],
    ["fd", -1],
    ["name", s.name ?? ""],
    ["age", Math.floor((now - s.created_ms) / 1000)],
    ["idle", Math.floor((now - s.last_command_ms) / 1000)],
    ["flags", clientFlags(s)],
    ["db", 0],
    ["sub", s.channels.size],
    ["psub", s.patterns.size],
    ["ssub", 0],
    ["multi", -1],
    ["qbuf", 0],
    ["qbuf-free", 0],
    ["argv-mem", 0],
    ["multi-mem", 0],
    ["rbs", 0],
    ["rbp", 0],
    ["obl", 0],
    ["oll", 0],
    ["omem", s.outputBytes()],
    ["tot-mem", 0],
    ["events", "r"],
    ["cmd", s.last_command],
    ["user", s.user],
    ["redir", s.tracking.on ? s.tracking.redirect : -1],
    ["resp", s.protocol],
  ];
  if (s.lib_name.length > 0 || s.lib_ver.length > 0) {
    fields.push(["lib-name", s.lib_name], ["lib-ver", s.lib_ver]);
  }
  return `${fields.map(([k, v]) => `${k}=${v}`).join(" ")}\n`;
}

const CLIENT_HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "CACHING (YES|NO)",
  "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
  "GETREDIR",
  "    Return the client ID we are redirecting to when tracking is enabled.",
  "GETNAME",
  "    Return the name of the current connection.",
  "ID",
  "    Return the ID of the current connection.",
  "INFO",
  "    Return information about the current client connection.",
  "KILL <ip:port>",
  "    Kill connection made from <ip:port>.",
  "KILL <option> <value> [<option> <value> [...]]",
  "    Kill connections. Options are:",
  "    * ADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made from the specified address",
  "    * LADDR (<ip:port>|<unixsocket>:0)",
  "      Kill connections made to specified local address",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Kill connections by type.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST [options ...]",
  "    Return information about client connections. Options:",
  "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
  "      Return clients of specified type.",
  "UNPAUSE",
  "    Stop the current client pause, resuming traffic.",
  "PAUSE <timeout> [WRITE|ALL]",
  "    Suspend all, or just write, clients for <timeout> milliseconds.",
  "REPLY (ON|OFF|SKIP)",
  "    Control the replies sent to the current connection.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "UNBLOCK <clientid> [TIMEOUT|ERROR]",
  "    Unblock the specified blocked client.",
  "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
  "         [OPTIN] [OPTOUT] [NOLOOP]",
  "    Control server assisted client side caching.",
  "TRACKINGINFO",
  "    Report tracking status for the current connection.",
  "NO-EVICT (ON|OFF)",
  "    Protect current client connection from eviction.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
  "HELP",
  "    Prints this help.",
];

interface KillFilter {
  id: number | null;
  addr: string | null;
  laddr: string | null;
  user: string | null;
  type: ClientType | null;
  skipme: boolean;
}

/** The new form's options, parsed in order as networking.c does (the first bad one answers). */
function killFilter(ctx: ServerContext, argv: readonly string[]): KillFilter | Reply {
  const filter: KillFilter = { id: null, addr: null, laddr: null, user: null, type: null, skipme: true };
  for (let j = 2; j < argv.length; j += 2) {
    const option = (argv[j] ?? "").toLowerCase();
    const value = argv[j + 1];
    if (value === undefined) return SYNTAX_ERROR;
    if (option === "id") {
      // Redis 7.0 gives the same text for a non-number.
      const id = parseStrictInteger(value);
      if (id === null || id <= 0) return errorErr("client-id should be greater than 0");
      filter.id = id;
    } else if (option === "type") {
      filter.type = clientTypeByName(value);
      if (filter.type === null) return errorErr(`Unknown client type '${value}'`);
    } else if (option === "addr") {
      filter.addr = value;
    } else if (option === "laddr") {
      filter.laddr = value;
    } else if (option === "user") {
      if (ctx.users.get(value) === undefined) return errorErr(`No such user '${value}'`);
      filter.user = value;
    } else if (option === "skipme") {
      if (value.toLowerCase() === "yes") filter.skipme = true;
      else if (value.toLowerCase() === "no") filter.skipme = false;
      else return SYNTAX_ERROR;
    } else {
      return SYNTAX_ERROR;
    }
  }
  return filter;
}

function clientKill(ctx: ServerContext, session: ClientSession, argv: readonly string[]): Reply {
  if (argv.length === 3) {
    // Old form: CLIENT KILL ip:port (may kill the caller itself).
    const target = [...ctx.sessions()].find((s) => s.remote_address === argv[2]);
    if (target === undefined) return errorErr("No such client");
    if (target === session) session.close_after_reply = true;
    else target.kill();
    return OK;
  }
  const filter = killFilter(ctx, argv);
  if (!("skipme" in filter)) return filter;
  let killed = 0;
  for (const s of [...ctx.sessions()]) {
    if (filter.id !== null && s.id !== filter.id) continue;
    if (filter.addr !== null && s.remote_address !== filter.addr) continue;
    if (filter.laddr !== null && s.local_address !== filter.laddr) continue;
    if (filter.user !== null && s.user !== filter.user) continue;
    if (filter.type !== null && clientType(s) !== filter.type) continue;
    if (s === session && filter.skipme) continue;
    if (s === session) session.close_after_reply = true;
    else s.kill();
    killed++;
  }
  return integer(killed);
}

function clientList(ctx: ServerContext, argv: readonly string[]): Reply {
  let sessions = [...ctx.sessions()];
  const option = (argv[2] ?? "").toLowerCase();
  if (argv.length === 4 && option === "type") {
    const type = clientTypeByName(argv[3] ?? "");
    if (type === null) return errorErr(`Unknown client type '${argv[3] ?? ""}'`);
    sessions = sessions.filter((s) => clientType(s) === type);
  } else if (argv.length > 3 && option === "id") {
    const ids: number[] = [];
    for (const text of argv.slice(3)) {
      const id = parseStrictInteger(text);
      if (id === null) return errorErr("Invalid client ID");
      ids.push(id);
    }
    // In the order asked, as Redis looks each id up.
    sessions = ids.flatMap((id) => sessions.find((s) => s.id === id) ?? []);
  } else if (argv.length !== 2) {
    return SYNTAX_ERROR;
  }
  return bulk(sessions.map((s) => clientInfoLine(ctx, s)).join(""));
}

/** Redis's answer when a subcommand's own argument count check fails. */
function subcommandSyntaxError(sub: string): Reply {
  return errorErr(`unknown subcommand or wrong number of arguments for '${sub}'. Try CLIENT HELP.`);
}

function onOff(value: string): boolean | null {
  const lowered = value.toLowerCase();
  return lowered === "on" ? true : lowered === "off" ? false : null;
}

/** CLIENT REPLY: OFF and SKIP answer nothing themselves (connection.ts applies the flags). */
function clientReply(session: ClientSession, value: string): Reply | readonly Reply[] {
  const lowered = value.toLowerCase();
  if (lowered === "on") {
    session.reply_off = false;
    session.reply_skip = false;
    return OK;
  }
  if (lowered === "off") {
    session.reply_off = true;
    return [];
  }
  if (lowered === "skip") {
    if (!session.reply_off) session.reply_skip_next = true;
    return [];
  }
  return SYNTAX_ERROR;
}

function clientPause(ctx: ServerContext, argv: readonly string[]): Reply {
  if (argv.length > 4) return subcommandSyntaxError(argv[1] ?? "");
  let mode: "write" | "all" = "all";
  if (argv.length === 4) {
    const lowered = (argv[3] ?? "").toLowerCase();
    if (lowered !== "write" && lowered !== "all") return errorErr("CLIENT PAUSE mode must be WRITE or ALL");
    mode = lowered;
  }
  const timeout_ms = parseStrictInteger(argv[2] ?? "");
  if (timeout_ms === null) return errorErr("timeout is not an integer or out of range");
  if (timeout_ms < 0) return errorErr("timeout is negative");
  ctx.pause.pause(ctx.now_ms() + timeout_ms, mode);
  return OK;
}

/** No command of a Sentinel blocks in Redis's sense, so there is never a client to unblock. */
function clientUnblock(argv: readonly string[]): Reply {
  if (argv.length > 4) return subcommandSyntaxError(argv[1] ?? "");
  if (argv.length === 4) {
    const reason = (argv[3] ?? "").toLowerCase();
    if (reason !== "timeout" && reason !== "error") {
      return errorErr("CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    }
  }
  if (parseStrictInteger(argv[2] ?? "") === null) return errorErr("value is not an integer or out of range");
  return integer(0);
}

function clientSetinfo(session: ClientSession, attribute: string, value: string): Reply {
  const lowered = attribute.toLowerCase();
  if (lowered !== "lib-name" && lowered !== "lib-ver") return errorErr(`Unrecognized option '${attribute}'`);
  if (!validName(value)) return errorErr(`${lowered} cannot contain spaces, newlines or special characters.`);
  if (lowered === "lib-name") session.lib_name = value;
  else session.lib_ver = value;
  return OK;
}

/** `sub` is lowercase and known to exist with a valid arity. */
export function clientCommand(
  ctx: ServerContext,
  session: ClientSession,
  sub: string,
  argv: readonly string[],
): Reply | readonly Reply[] {
  switch (sub) {
    case "id":
      return integer(session.id);
    case "getname":
      return session.name === null ? NULL_BULK : bulk(session.name);
    case "setname": {
      const name = argv[2] ?? "";
      if (!validName(name)) return BAD_NAME;
      session.name = name.length === 0 ? null : name;
      return OK;
    }
    case "info":
      return bulk(clientInfoLine(ctx, session));
    case "list":
      return clientList(ctx, argv);
    case "kill":
      return clientKill(ctx, session, argv);
    case "setinfo":
      return clientSetinfo(session, argv[2] ?? "", argv[3] ?? "");
    case "no-evict": {
      const on = onOff(argv[2] ?? "");
      if (on === null) return SYNTAX_ERROR;
      session.no_evict = on;
      return OK;
    }
    case "reply":
      return clientReply(session, argv[2] ?? "");
    case "pause":
      return clientPause(ctx, argv);
    case "unpause":
      ctx.pause.unpause();
      return OK;
    case "unblock":
      return clientUnblock(argv);
    case "tracking":
      return trackingCommand(session.tracking, argv, (id) => [...ctx.sessions()].some((s) => s.id === id));
    case "trackinginfo":
      return trackingInfoReply(session.tracking);
    case "getredir":
      return getRedirReply(session.tracking);
    case "caching":
      return cachingCommand(session.tracking, argv[2] ?? "");
    case "help":
      return array(CLIENT_HELP.map(simple));
    default:
      throw new Error(`clientCommand: no handler for known subcommand '${sub}'`);
  }
}
