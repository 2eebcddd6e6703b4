// Server commands: INFO, ROLE, COMMAND, and the pub/sub commands (SUBSCRIBE family, PUBLISH).
import {
  allFullnames,
  listedCommands,
  commandDocsReply,
  commandInfoReply,
  findByFullname,
} from "./command-table.js";
import { infoText } from "./info-text.js";
import type { Reply } from "./reply.js";
import { array, bulk, bulkArray, errorErr, integer, simple } from "./reply.js";
import type { ClientSession, ServerContext } from "./session.js";

export function infoCommand(ctx: ServerContext, argv: readonly string[]): Reply {
  return bulk(infoText(argv.slice(1), ctx.facts(), ctx.view.status(), ctx.view.masters()));
}

export function roleCommand(ctx: ServerContext): Reply {
  return array([bulk("sentinel"), bulkArray(ctx.view.masters().map((master) => master.name))]);
}

const COMMAND_HELP = [
  "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "(no subcommand)",
  "    Return details about all Redis commands.",
  "COUNT",
  "    Return the total number of commands in this Redis server.",
  "LIST",
  "    Return a list of all commands in this Redis server.",
  "INFO [<command-name> ...]",
  "    Return details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "DOCS [<command-name> ...]",
  "    Return documentation details about multiple Redis commands.",
  "    If no command names are given, documentation details for all",
  "    commands are returned.",
  "GETKEYS <full-command>",
  "    Return the keys from a full Redis command.",
  "GETKEYSANDFLAGS <full-command>",
  "    Return the keys and the access flags from a full Redis command.",
  "HELP",
  "    Prints this help.",
];

/** `sub` null: bare COMMAND. */
export function commandCommand(sub: string | null, argv: readonly string[]): Reply {
  switch (sub) {
    case null:
      return array(listedCommands().map(commandInfoReply));
    case "count":
      return integer(listedCommands().length);
    case "list":
      if (argv.length > 2) return errorErr("syntax error");
      return bulkArray(allFullnames());
    case "info": {
      const names = argv.slice(2);
      if (names.length === 0) return array(listedCommands().map(commandInfoReply));
      return array(
        names.map((name) => {
          const spec = findByFullname(name);
          return spec === undefined ? { type: "null_array" } : commandInfoReply(spec);
        }),
      );
    }
    case "docs": {
      const names = argv.slice(2);
      const specs =
        names.length === 0 ? listedCommands() : names.flatMap((name) => findByFullname(name) ?? []);
      return {
        type: "map",
        entries: specs.map((spec) => [bulk(spec.name), commandDocsReply(spec)] as const),
      };
    }
    case "getkeys":
    case "getkeysandflags":
      return findByFullname(argv[2] ?? "") === undefined
        ? errorErr("Invalid command specified")
        : errorErr("The command has no key arguments");
    case "help":
      return array(COMMAND_HELP.map(simple));
    default:
      throw new Error(`commandCommand: no handler for known subcommand '${sub}'`);
  }
}

function subscriptionCount(session: ClientSession): number {
  return session.channels.size + session.patterns.size;
}

function pushReply(kind: string, name: string | null, count: number): Reply {
  return { type: "push", items: [bulk(kind), name === null ? { type: "null" } : bulk(name), integer(count)] };
}

export function subscribeCommand(
  ctx: ServerContext,
  session: ClientSession,
  argv: readonly string[],
): Reply[] {
  return argv.slice(1).map((channel) => {
    if (ctx.hub.subscribe(session.subscriber, channel)) session.channels.add(channel);
    return pushReply("subscribe", channel, subscriptionCount(session));
  });
}

export function psubscribeCommand(
  ctx: ServerContext,
  session: ClientSession,
  argv: readonly string[],
): Reply[] {
  return argv.slice(1).map((pattern) => {
    if (ctx.hub.psubscribe(session.subscriber, pattern)) session.patterns.add(pattern);
    return pushReply("psubscribe", pattern, subscriptionCount(session));
  });
}

export function unsubscribeCommand(
  ctx: ServerContext,
  session: ClientSession,
  argv: readonly string[],
): Reply[] {
  const names = argv.length > 1 ? argv.slice(1) : [...session.channels];
  if (names.length === 0) return [pushReply("unsubscribe", null, subscriptionCount(session))];
  return names.map((channel) => {
    ctx.hub.unsubscribe(session.subscriber, channel);
    session.channels.delete(channel);
    return pushReply("unsubscribe", channel, subscriptionCount(session));
  });
}

export function punsubscribeCommand(
  ctx: ServerContext,
  session: ClientSession,
  argv: readonly string[],
): Reply[] {
  const names = argv.length > 1 ? argv.slice(1) : [...session.patterns];
  if (names.length === 0) return [pushReply("punsubscribe", null, subscriptionCount(session))];
  return names.map((pattern) => {
    ctx.hub.punsubscribe(session.subscriber, pattern);
    session.patterns.delete(pattern);
    return pushReply("punsubscribe", pattern, subscriptionCount(session));
  });
}

/** Leaves every channel and pattern (connection closed). */
export function dropSubscriptions(ctx: ServerContext, session: ClientSession): void {
  for (const channel of session.channels) ctx.hub.unsubscribe(session.subscriber, channel);
  for (const pattern of session.patterns) ctx.hub.punsubscribe(session.subscriber, pattern);
  session.channels.clear();
  session.patterns.clear();
}

/** Sentinel accepts PUBLISH only on its hello channel; agents do not mix with Redis Sentinels, so
 * a hello is acknowledged with 0 receivers and ignored. */
export function publishCommand(argv: readonly string[]): Reply {
  if (argv[1] !== "__sentinel__:hello")
    return errorErr("Only HELLO messages are accepted by Sentinel instances.");
  return integer(0);
}
