// Connection commands: PING, QUIT, AUTH, HELLO, CLIENT ... with Redis 7's replies and errors.
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, error, errorErr, integer, map, NULL_BULK, OK, simple } from "./reply.js";
import type { ClientSession, ServerContext } from "./session.js";
import { DEFAULT_USER } from "./acl/index.js";

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
function logIn(ctx: ServerContext, session: ClientSession, user: string, password: string): boolean {
  const found = ctx.users.authenticate(user, password);
  if (found === null) return false;
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
    if (!logIn(ctx, session, DEFAULT_USER, argv[1] ?? "")) return WRONGPASS;
  } else if (!logIn(ctx, session, argv[1] ?? "", argv[2] ?? "")) {
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
  if (credentials !== null && !logIn(ctx, session, credentials[0], credentials[1])) return WRONGPASS;
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

/** One `CLIENT LIST` / `CLIENT INFO` line, with Redis 7.0's keys. */
export function clientInfoLine(ctx: ServerContext, s: ClientSession): string {
  const now = ctx.now_ms();
  const subscribed = s.channels.size > 0 || s.patterns.size > 0;
  const fields: [string, string | number][] = [
    ["id", s.id],
    ["addr", s.remote_address],
    ["laddr", s.local_address],
    ["fd", -1],
    ["name", s.name ?? ""],
    ["age", Math.floor((now - s.created_ms) / 1000)],
    ["idle", Math.floor((now - s.last_command_ms) / 1000)],
    ["flags", subscribed ? "P" : "N"],
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
    ["redir", -1],
    ["resp", s.protocol],
  ];
  if (s.lib_name.length > 0 || s.lib_ver.length > 0) {
    fields.push(["lib-name", s.lib_name], ["lib-ver", s.lib_ver]);
  }
  return `${fields.map(([k, v]) => `${k}=${v}`).join(" ")}\n`;
}

const CLIENT_HELP = [
  "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
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
  "    * ID <client-id>",
  "      Kill connections by client id.",
  "    * USER <username>",
  "      Kill connections authenticated by <username>.",
  "    * SKIPME (YES|NO)",
  "      Skip killing current connection (default: yes).",
  "LIST",
  "    Return information about client connections.",
  "SETINFO <option> <value>",
  "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
  "SETNAME <name>",
  "    Assign the name <name> to the current connection.",
  "HELP",
  "    Prints this help.",
];

function clientKill(ctx: ServerContext, session: ClientSession, argv: readonly string[]): Reply {
  if (argv.length === 3) {
    // Old form: CLIENT KILL ip:port
    const target = [...ctx.sessions()].find((s) => s.remote_address === argv[2]);
    if (target === undefined) return errorErr("No such client");
    if (target === session) session.close_after_reply = true;
    else target.kill();
    return OK;
  }
  if (argv.length % 2 !== 0) return SYNTAX_ERROR;
  let id: number | null = null;
  let addr: string | null = null;
  let laddr: string | null = null;
  let user: string | null = null;
  let skipme = true;
  for (let j = 2; j < argv.length; j += 2) {
    const option = (argv[j] ?? "").toLowerCase();
    const value = argv[j + 1] ?? "";
    if (option === "id") {
      id = parseStrictInteger(value);
      if (id === null || id <= 0) return errorErr("client-id should be greater than 0");
    } else if (option === "addr") {
      addr = value;
    } else if (option === "laddr") {
      laddr = value;
    } else if (option === "user") {
      user = value;
    } else if (option === "skipme") {
      if (value.toLowerCase() === "yes") skipme = true;
      else if (value.toLowerCase() === "no") skipme = false;
      else return SYNTAX_ERROR;
    } else {
      return SYNTAX_ERROR;
    }
  }
  if (user !== null && ctx.users.get(user) === undefined) return errorErr(`No such user '${user}'`);
  let killed = 0;
  for (const s of [...ctx.sessions()]) {
    if (id !== null && s.id !== id) continue;
    if (addr !== null && s.remote_address !== addr) continue;
    if (laddr !== null && s.local_address !== laddr) continue;
    if (user !== null && s.user !== user) continue;
    if (s === session && skipme) continue;
    if (s === session) session.close_after_reply = true;
    else s.kill();
    killed++;
  }
  return integer(killed);
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
): Reply {
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
      if (argv.length > 2) return SYNTAX_ERROR;
      return bulk([...ctx.sessions()].map((s) => clientInfoLine(ctx, s)).join(""));
    case "kill":
      return clientKill(ctx, session, argv);
    case "setinfo":
      return clientSetinfo(session, argv[2] ?? "", argv[3] ?? "");
    case "help":
      return array(CLIENT_HELP.map(simple));
    default:
      throw new Error(`clientCommand: no handler for known subcommand '${sub}'`);
  }
}
