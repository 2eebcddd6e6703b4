// The commands this port knows, with Redis Sentinel 7.0's metadata (arity, flags, ACL
// categories, tips as `COMMAND` prints them, read from a running redis-sentinel 7.0.15). Arity
// follows Redis: N = exactly N arguments including the name, -N = at least N. Dispatch uses the
// arity and the flags (`no_auth`, pub/sub context); COMMAND / COMMAND INFO / COMMAND DOCS print it.
import type { Reply } from "./reply.js";
import { array, bulk, integer, map, simple } from "./reply.js";

export interface CommandSpec {
  /** Lowercase, `container|sub` for subcommands (Redis's fullname). */
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly string[];
  readonly acl: readonly string[];
  readonly tips: readonly string[];
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly subcommands?: readonly CommandSpec[];
  /**
   * Ours, beyond Sentinel 7.0 (QUIT, CLIENT SETINFO, SENTINEL PAUSE/RESUME/ACK-FAILOVER): run and
   * described by name (COMMAND INFO/DOCS <name>), left out of the listings (COMMAND, COMMAND
   * COUNT/LIST, INFO and DOCS without names), so that a tool comparing them with Sentinel's sees
   * Sentinel 7.0's 15 commands and 72 names (Redis's suite, 00-base, checks both counts).
   */
  readonly extension?: true;
}

const ADMIN_ACL = ["@admin", "@slow", "@dangerous"] as const;
const CONN = ["@slow", "@connection"] as const;
const NLS = ["noscript", "loading", "stale"] as const;
const PUBSUB_FLAGS = ["pubsub", "noscript", "loading", "stale"] as const;

function sentinelSub(sub: string, arity: number, summary: string): CommandSpec {
  return {
    name: `sentinel|${sub}`,
    arity,
    flags: sub === "help" ? ["loading", "stale"] : ["admin"],
    acl: sub === "help" ? ["@slow"] : ADMIN_ACL,
    tips: [],
    summary,
    since: "2.8.4",
    group: "sentinel",
  };
}

function clientSub(
  sub: string,
  arity: number,
  admin: boolean,
  summary: string,
  tips: readonly string[] = [],
): CommandSpec {
  return {
    name: `client|${sub}`,
    arity,
    flags: admin ? ["admin", ...NLS] : NLS,
    acl: admin ? ["@admin", "@slow", "@dangerous", "@connection"] : CONN,
    tips,
    summary,
    since: "2.4.0",
    group: "connection",
  };
}

function commandSub(sub: string, arity: number, summary: string, tips: readonly string[] = []): CommandSpec {
  return {
    name: `command|${sub}`,
    arity,
    flags: ["loading", "stale"],
    acl: CONN,
    tips,
    summary,
    since: "2.8.13",
    group: "server",
  };
}

function aclSub(sub: string, arity: number, admin: boolean, summary: string): CommandSpec {
  return {
    name: `acl|${sub}`,
    arity,
    flags: admin ? ["admin", "noscript", "loading", "stale"] : ["noscript", "loading", "stale"],
    acl: admin ? ADMIN_ACL : ["@slow"],
    tips: [],
    summary,
    since: "6.0.0",
    group: "server",
  };
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "ping",
    arity: -1,
    flags: ["fast"],
    acl: ["@fast", "@connection"],
    tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
    summary: "Ping the server",
    since: "1.0.0",
    group: "connection",
  },
  {
    name: "hello",
    arity: -1,
    flags: [...NLS, "fast", "no_auth", "allow_busy"],
    acl: ["@fast", "@connection"],
    tips: [],
    summary: "Handshake with Redis",
    since: "6.0.0",
    group: "connection",
  },
  {
    name: "auth",
    arity: -2,
    flags: [...NLS, "fast", "no_auth", "allow_busy"],
    acl: ["@fast", "@connection"],
    tips: [],
    summary: "Authenticate to the server",
    since: "1.0.0",
    group: "connection",
  },
  {
    // Sentinel 7.0 lacks QUIT; clients (ioredis quit()) send it, so it is answered as Redis does.
    extension: true,
    name: "quit",
    arity: -1,
    flags: ["allow_busy", ...NLS, "fast", "no_auth"],
    acl: ["@fast", "@connection"],
    tips: [],
    summary: "Close the connection",
    since: "1.0.0",
    group: "connection",
  },
  {
    name: "client",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    tips: [],
    summary: "A container for client connection commands",
    since: "2.4.0",
    group: "connection",
    subcommands: [
      clientSub("id", 2, false, "Returns the client ID for the current connection"),
      clientSub("getname", 2, false, "Get the current connection name"),
      clientSub("setname", 3, false, "Set the current connection name"),
      clientSub("kill", -3, true, "Kill the connection of a client"),
      clientSub("info", 2, false, "Returns information about the current client connection.", [
        "nondeterministic_output",
      ]),
      clientSub("list", -2, true, "Get the list of client connections", ["nondeterministic_output"]),
      clientSub("caching", 3, false, "Instruct the server about tracking or not keys in the next request"),
      clientSub("getredir", 2, false, "Get tracking notifications redirection client ID if any"),
      clientSub("no-evict", 3, true, "Set client eviction mode for the current connection"),
      clientSub("pause", -3, true, "Stop processing commands from clients for some time"),
      clientSub("reply", 3, false, "Instruct the server whether to reply to commands"),
      clientSub("tracking", -3, false, "Enable or disable server assisted client side caching support"),
      clientSub(
        "trackinginfo",
        2,
        false,
        "Return information about server assisted client side caching for the current connection",
      ),
      clientSub(
        "unblock",
        -3,
        true,
        "Unblock a client blocked in a blocking command from a different connection",
      ),
      clientSub("unpause", 2, true, "Resume processing of clients that were paused"),
      // Redis 7.2's; redis-py >= 5 sends it at connect time.
      { ...clientSub("setinfo", 4, false, "Set client or connection specific info"), extension: true },
      {
        ...clientSub("help", 2, false, "Show helpful text about the different subcommands"),
        flags: ["loading", "stale"],
      },
    ],
  },
  {
    name: "command",
    arity: -1,
    flags: ["loading", "stale"],
    acl: CONN,
    tips: ["nondeterministic_output_order"],
    summary: "Get array of Redis command details",
    since: "2.8.13",
    group: "server",
    subcommands: [
      commandSub(
        "info",
        -2,
        "Get array of specific Redis command details, or all when no argument is given.",
        ["nondeterministic_output_order"],
      ),
      commandSub("count", 2, "Get total number of Redis commands"),
      commandSub("docs", -2, "Get array of specific Redis command documentation", [
        "nondeterministic_output_order",
      ]),
      commandSub("getkeys", -4, "Extract keys given a full Redis command"),
      commandSub("getkeysandflags", -4, "Extract keys and access flags given a full Redis command"),
      commandSub("list", -2, "Get an array of Redis command names", ["nondeterministic_output_order"]),
      commandSub("help", 2, "Show helpful text about the different subcommands"),
    ],
  },
  {
    // Sentinel flushes its config and exits; so does the agent (shutdown-command.ts).
    name: "shutdown",
    arity: -1,
    flags: ["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"],
    acl: ADMIN_ACL,
    tips: [],
    summary: "Synchronously save the dataset to disk and then shut down the server",
    since: "1.0.0",
    group: "server",
  },
  {
    name: "info",
    arity: -1,
    flags: ["loading", "stale"],
    acl: ["@slow", "@dangerous"],
    tips: ["nondeterministic_output", "request_policy:all_shards", "response_policy:special"],
    summary: "Get information and statistics about the server",
    since: "1.0.0",
    group: "server",
  },
  {
    name: "role",
    arity: 1,
    flags: [...NLS, "fast"],
    acl: ["@admin", "@fast", "@dangerous"],
    tips: [],
    summary: "Return the role of the instance in the context of replication",
    since: "2.8.12",
    group: "server",
  },
  {
    name: "publish",
    arity: 3,
    flags: ["pubsub", "loading", "stale", "fast"],
    acl: ["@pubsub", "@fast"],
    tips: [],
    summary: "Post a message to a channel",
    since: "2.0.0",
    group: "pubsub",
  },
  ...(["subscribe", "psubscribe"] as const).map((name) => ({
    name,
    arity: -2,
    flags: PUBSUB_FLAGS,
    acl: ["@pubsub", "@slow"],
    tips: [],
    summary:
      name === "subscribe"
        ? "Listen for messages published to the given channels"
        : "Listen for messages published to channels matching the given patterns",
    since: "2.0.0",
    group: "pubsub",
  })),
  ...(["unsubscribe", "punsubscribe"] as const).map((name) => ({
    name,
    arity: -1,
    flags: PUBSUB_FLAGS,
    acl: ["@pubsub", "@slow"],
    tips: [],
    summary:
      name === "unsubscribe"
        ? "Stop listening for messages posted to the given channels"
        : "Stop listening for messages posted to channels matching the given patterns",
    since: "2.0.0",
    group: "pubsub",
  })),
  {
    name: "acl",
    arity: -2,
    flags: [],
    acl: ["@slow"],
    tips: [],
    summary: "A container for Access List Control commands",
    since: "6.0.0",
    group: "server",
    subcommands: [
      aclSub("cat", -2, false, "List the ACL categories or the commands inside a category"),
      aclSub("deluser", -3, true, "Remove the specified ACL users and the associated rules"),
      aclSub(
        "dryrun",
        -4,
        true,
        "Returns whether the user can execute the given command without executing the command.",
      ),
      aclSub("genpass", -2, false, "Generate a pseudorandom secure password to use for ACL users"),
      aclSub("getuser", 3, true, "Get the rules for a specific ACL user"),
      aclSub("list", 2, true, "List the current ACL rules in ACL config file format"),
      aclSub("load", 2, true, "Reload the ACLs from the configured ACL file"),
      aclSub("log", -2, true, "List latest events denied because of ACLs in place"),
      aclSub("save", 2, true, "Save the current ACL rules in the configured ACL file"),
      aclSub("setuser", -3, true, "Modify or create the rules for a specific ACL user"),
      aclSub("users", 2, true, "List the username of all the configured ACL rules"),
      aclSub("whoami", 2, false, "Return the name of the user associated to the current connection"),
      {
        ...aclSub("help", 2, false, "Show helpful text about the different subcommands"),
        flags: ["loading", "stale"],
      },
    ],
  },
  {
    name: "sentinel",
    arity: -2,
    flags: ["admin"],
    acl: ADMIN_ACL,
    tips: [],
    summary: "A container for Sentinel commands",
    since: "2.8.4",
    group: "sentinel",
    subcommands: [
      sentinelSub("masters", 2, "Get a list of monitored Redis masters and their state"),
      sentinelSub("master", 3, "Get the state of a monitored master"),
      sentinelSub("replicas", 3, "Get a list of replicas of a monitored master"),
      sentinelSub("slaves", 3, "Get a list of replicas of a monitored master"),
      sentinelSub("sentinels", 3, "Get a list of other Sentinels of a monitored master"),
      sentinelSub("get-master-addr-by-name", 3, "Get the address of a master by name"),
      sentinelSub("myid", 2, "Get the Sentinel instance ID"),
      sentinelSub("ckquorum", 3, "Check for a Sentinel quorum"),
      sentinelSub("failover", 3, "Force a failover"),
      sentinelSub("monitor", 6, "Start monitoring a master"),
      sentinelSub("remove", 3, "Stop monitoring a master"),
      sentinelSub("set", -5, "Change the configuration of a monitored master"),
      sentinelSub("reset", 3, "Reset masters by name pattern"),
      sentinelSub("flushconfig", 2, "Rewrite the Sentinel configuration file"),
      sentinelSub("pending-scripts", 2, "Get information about pending scripts"),
      sentinelSub("config", -3, "Configure Sentinel"),
      sentinelSub("info-cache", -3, "Get cached INFO from the instances in the deployment"),
      sentinelSub("is-master-down-by-addr", 6, "Determine whether a master is down"),
      sentinelSub("simulate-failure", -3, "Simulate failover scenarios"),
      {
        ...sentinelSub("pause", 4, "Pause automatic failovers of a master (or *) for some milliseconds"),
        extension: true,
      },
      { ...sentinelSub("resume", 3, "Resume automatic failovers of a master (or *)"), extension: true },
      {
        ...sentinelSub("ack-failover", 3, "Acknowledge a master's last automatic failover (lifts its block)"),
        extension: true,
      },
      sentinelSub("debug", -2, "List or update the current configurable parameters"),
      sentinelSub("help", 2, "Show helpful text about the different subcommands"),
    ],
  },
];

const BY_NAME = new Map(COMMANDS.map((spec) => [spec.name, spec]));

export function findCommand(name: string): CommandSpec | undefined {
  return BY_NAME.get(name.toLowerCase());
}

export function findSubcommand(container: CommandSpec, sub: string): CommandSpec | undefined {
  const wanted = `${container.name}|${sub.toLowerCase()}`;
  return container.subcommands?.find((spec) => spec.name === wanted);
}

/** Top-level name or `container|sub` fullname lookup (COMMAND INFO/DOCS take both forms). */
export function findByFullname(name: string): CommandSpec | undefined {
  const [head, sub] = name.toLowerCase().split("|", 2);
  const spec = findCommand(head ?? "");
  if (spec === undefined || sub === undefined) return spec;
  return findSubcommand(spec, sub);
}

/** Arity check as Redis: exact when positive, minimum when negative. */
export function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity > 0 ? argc === spec.arity : argc >= -spec.arity;
}

/** A container's subcommands as COMMAND describes them (our extensions only by their own name). */
function listedSubcommands(spec: CommandSpec): readonly CommandSpec[] {
  return (spec.subcommands ?? []).filter((sub) => sub.extension !== true);
}

/** One `COMMAND INFO` entry (10 fields in Redis 7). */
export function commandInfoReply(spec: CommandSpec): Reply {
  return array([
    bulk(spec.name),
    integer(spec.arity),
    array(spec.flags.map(simple)),
    integer(0),
    integer(0),
    integer(0),
    array(spec.acl.map(simple)),
    array(spec.tips.map(bulk)),
    array([]),
    array(listedSubcommands(spec).map(commandInfoReply)),
  ]);
}

/** A minimal `COMMAND DOCS` entry: summary, since, group (and subcommands). */
export function commandDocsReply(spec: CommandSpec): Reply {
  const entries: [string, Reply][] = [
    ["summary", bulk(spec.summary)],
    ["since", bulk(spec.since)],
    ["group", bulk(spec.group)],
  ];
  if (spec.subcommands !== undefined) {
    entries.push([
      "subcommands",
      map(listedSubcommands(spec).map((sub) => [sub.name, commandDocsReply(sub)] as const)),
    ]);
  }
  return map(entries);
}

/** The commands COMMAND lists: Sentinel 7.0's, without our extensions (their subcommands too). */
export function listedCommands(): CommandSpec[] {
  return COMMANDS.filter((spec) => spec.extension !== true);
}

/** COMMAND LIST's names: every listed command and subcommand. */
export function allFullnames(): string[] {
  return listedCommands().flatMap((spec) => [spec.name, ...listedSubcommands(spec).map((sub) => sub.name)]);
}

/** Every command and subcommand with its ACL categories (without `@`), for ACL rules. */
export function aclCommands(): { readonly name: string; readonly categories: readonly string[] }[] {
  return COMMANDS.flatMap((spec) => [spec, ...(spec.subcommands ?? [])]).map((spec) => ({
    name: spec.name,
    categories: spec.acl.map((c) => c.slice(1)),
  }));
}
