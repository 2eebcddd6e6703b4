// Routes one request the way Redis's processCommand orders its checks: unknown command or
// subcommand, then authentication, then arity, then the user's ACL permissions, then the RESP2
// pub/sub context, then CLIENT PAUSE (the command waits for its end), then the command.
import { userCanRun } from "./acl/index.js";
import { aclCommand } from "./acl-command.js";
import {
  authCommand,
  clientCommand,
  clientInfoLine,
  helloCommand,
  pingCommand,
  quitCommand,
} from "./client-commands.js";
import type { CommandSpec } from "./command-table.js";
import { arityOk, findCommand, findSubcommand } from "./command-table.js";
import type { Reply } from "./reply.js";
import { error, errorErr } from "./reply.js";
import { sentinelCommand } from "./sentinel-command.js";
import { operatorCommand } from "./operator-command.js";
import {
  commandCommand,
  infoCommand,
  psubscribeCommand,
  publishCommand,
  punsubscribeCommand,
  roleCommand,
  subscribeCommand,
  unsubscribeCommand,
} from "./server-commands.js";
import type { ClientSession, ServerContext } from "./session.js";
import { canonicalArgv } from "./valkey-aliases.js";
import { auditedCommand, recordRespAudit } from "./audit.js";
import { shutdownCommand } from "./shutdown-command.js";

export type Replies = Reply | readonly Reply[];

const PUBSUB_CONTEXT_ALLOWED = new Set([
  "ping",
  "subscribe",
  "psubscribe",
  "unsubscribe",
  "punsubscribe",
  "quit",
  "reset",
]);

/** `'%.128s'`-style quoting of the first arguments, as Redis's unknown-command error. */
function argsBeginning(argv: readonly string[]): string {
  let text = "";
  for (let i = 1; i < argv.length && text.length < 128; i++) {
    text += `'${(argv[i] ?? "").slice(0, 128 - text.length)}' `;
  }
  return text;
}

function resolve(argv: readonly string[]): { spec: CommandSpec } | { reply: Reply } {
  const name = argv[0] ?? "";
  const spec = findCommand(name);
  if (spec === undefined) {
    return {
      reply: errorErr(
        `unknown command '${name.slice(0, 128)}', with args beginning with: ${argsBeginning(argv)}`,
      ),
    };
  }
  if (spec.subcommands === undefined || argv.length < 2) return { spec };
  const sub = findSubcommand(spec, argv[1] ?? "");
  if (sub === undefined) {
    return {
      reply: errorErr(
        `unknown subcommand '${(argv[1] ?? "").slice(0, 128)}'. Try ${spec.name.toUpperCase()} HELP.`,
      ),
    };
  }
  return { spec: sub };
}

/** The handler's part after the checks. `spec.name` is lowercase (`sentinel|masters`). */
function run(
  ctx: ServerContext,
  session: ClientSession,
  spec: CommandSpec,
  argv: readonly string[],
  raw: readonly Buffer[],
): Replies | Promise<Replies> {
  const [head, sub = null] = spec.name.split("|", 2);
  switch (head) {
    case "ping":
      return pingCommand(session, raw);
    case "quit":
      return quitCommand(session);
    case "auth":
      return authCommand(ctx, session, argv);
    case "hello":
      return helloCommand(ctx, session, argv);
    case "client":
      return clientCommand(ctx, session, sub ?? "", argv);
    case "command":
      return commandCommand(sub, argv);
    case "acl":
      return aclCommand(ctx, session, sub ?? "", argv);
    case "info":
      return infoCommand(ctx, argv);
    case "role":
      return roleCommand(ctx);
    case "sentinel":
      if (sub === "debug") return ctx.debug.command(argv.slice(2));
      if (sub === "pause" || sub === "resume" || sub === "ack-failover")
        return operatorCommand(ctx.view, sub, argv, session.remote_address);
      return sentinelCommand(ctx.view, sub ?? "", argv);
    case "subscribe":
      return subscribeCommand(ctx, session, argv);
    case "psubscribe":
      return psubscribeCommand(ctx, session, argv);
    case "unsubscribe":
      return unsubscribeCommand(ctx, session, argv);
    case "punsubscribe":
      return punsubscribeCommand(ctx, session, argv);
    case "publish":
      return publishCommand(argv);
    case "shutdown":
      return shutdownCommand(ctx, session, argv);
    default:
      throw new Error(`dispatch: command '${spec.name}' is in the table but has no handler`);
  }
}

/** One request -> its reply (or replies, for the SUBSCRIBE family). Never throws for bad input. */
export function dispatch(
  ctx: ServerContext,
  session: ClientSession,
  raw: readonly Buffer[],
): Replies | Promise<Replies> {
  const argv = canonicalArgv(raw.map((arg) => arg.toString("utf8")));
  const resolved = resolve(argv);
  if ("reply" in resolved) return resolved.reply;
  const spec = resolved.spec;
  // CLIENT CACHING applies to the next command only; CLIENT commands keep it (as Redis).
  if (!spec.name.startsWith("client")) session.tracking.caching = false;
  session.last_command = spec.name;
  session.last_command_ms = ctx.now_ms();
  const no_auth = spec.flags.includes("no_auth");
  if (ctx.users.authRequired && !session.authenticated && !no_auth) {
    return error("NOAUTH Authentication required.");
  }
  if (!arityOk(spec, argv.length)) return errorErr(`wrong number of arguments for '${spec.name}' command`);
  // Redis never applies command rules to AUTH, HELLO and QUIT (acl.c: CMD_NO_AUTH).
  const user = ctx.users.get(session.user);
  if (!no_auth && (user === undefined || !userCanRun(user, spec.name))) {
    ctx.aclLog.record(
      {
        reason: "command",
        object: spec.name,
        username: session.user,
        client_info: clientInfoLine(ctx, session),
      },
      ctx.now_ms(),
    );
    return error(`NOPERM this user has no permissions to run the '${spec.name}' command`);
  }
  const subscribed = session.channels.size > 0 || session.patterns.size > 0;
  if (session.protocol === 2 && subscribed && !PUBSUB_CONTEXT_ALLOWED.has(spec.name)) {
    return errorErr(
      `Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    );
  }
  // Redis postpones the client and runs processCommand again once the pause is over.
  if (ctx.pause.holdsAll()) return ctx.pause.ended().then(() => dispatch(ctx, session, raw));
  const audited = ctx.audit === undefined ? null : auditedCommand(argv);
  const result = run(ctx, session, spec, argv, raw);
  if (audited === null || ctx.audit === undefined) return result;
  const sink = ctx.audit;
  // Who: the user the connection logged in as; null while anyone may act as the default user.
  const who = ctx.users.authRequired || session.user !== "default" ? session.user : null;
  if (result instanceof Promise) {
    return result.then((reply) => {
      recordRespAudit(sink, session, who, audited, reply);
      return reply;
    });
  }
  recordRespAudit(sink, session, who, audited, result);
  return result;
}
