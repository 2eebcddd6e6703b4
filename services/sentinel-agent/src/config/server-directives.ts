// Plain Redis directives found in sentinel.conf files. Each is honoured (it configures the agent's
// own RESP port or logs), accepted and ignored with a note (it concerns a Redis server process),
// or refused because the agent cannot do what it asks. Anything else is an unknown directive.
import { isIP } from "node:net";
import type { Directive, DirectiveContext } from "./directive.js";
import { arg, check } from "./directive.js";
import type { LogLevel } from "./model.js";
import { applyRules, newUser, userNameProblem } from "../resp/acl/index.js";
import { aclCommands } from "../resp/command-table.js";
import { parseInteger, parsePort, parseYesNo, shown } from "./values.js";

function honoured(
  usage: string,
  arity: readonly [number, number],
  apply: (ctx: DirectiveContext) => void,
): Directive {
  return { kind: "global", arity, usage, apply };
}

const BIND_ADDRESSES_MAX = 16; // Redis' CONFIG_BINDADDR_MAX

const LOG_LEVELS: readonly LogLevel[] = ["debug", "verbose", "notice", "warning", "nothing"];

export const SERVER_HONOURED: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  [
    "port",
    honoured("<port>", [1, 1], (ctx) => {
      // Redis 7: port 0 = no plain listener (TLS only; tlsProblems asks for a tls-port then).
      const v = arg(ctx, 0) === "0" ? 0 : check(ctx, parsePort(arg(ctx, 0)));
      if (v !== null) ctx.draft.server.port = v;
    }),
  ],
  [
    "bind",
    honoured("<address> ...", [1, BIND_ADDRESSES_MAX], (ctx) => {
      // Redis 7: an address may be prefixed with "-" (optional: skipped if unavailable).
      const bad = ctx.args.find((a) => {
        const addr = a.startsWith("-") ? a.slice(1) : a;
        return !(addr === "*" || addr === "::*" || isIP(addr) !== 0);
      });
      if (bad !== undefined) {
        ctx.fail(`expected IP addresses (or * / ::*), got ${shown(bad)}`);
        return;
      }
      ctx.draft.server.bind = [...ctx.args];
    }),
  ],
  [
    "requirepass",
    honoured("<password>", [1, 1], (ctx) => {
      ctx.draft.server.requirepass = arg(ctx, 0) === "" ? null : arg(ctx, 0); // Redis: "" = none
    }),
  ],
  [
    "protected-mode",
    honoured("yes|no", [1, 1], (ctx) => {
      const v = check(ctx, parseYesNo(arg(ctx, 0)));
      if (v !== null) ctx.draft.server.protected_mode = v;
    }),
  ],
  [
    "dir",
    honoured("<path>", [1, 1], (ctx) => {
      if (arg(ctx, 0) === "") {
        ctx.fail("expected a directory, got an empty string");
        return;
      }
      ctx.draft.server.dir = arg(ctx, 0);
    }),
  ],
  [
    "logfile",
    honoured("<path>", [1, 1], (ctx) => {
      ctx.draft.server.logfile = arg(ctx, 0);
    }),
  ],
  [
    "loglevel",
    honoured("debug|verbose|notice|warning|nothing", [1, 1], (ctx) => {
      const level = LOG_LEVELS.find((l) => l === arg(ctx, 0).toLowerCase());
      if (level === undefined) {
        ctx.fail(`expected one of ${LOG_LEVELS.join(", ")}, got ${shown(arg(ctx, 0))}`);
        return;
      }
      ctx.draft.server.loglevel = level;
    }),
  ],
  ["user", honoured("<username> <acl rules> ...", [1, 256], applyUser)],
  [
    "maxclients",
    honoured("<connections>", [1, 1], (ctx) => {
      const v = check(ctx, parseInteger(arg(ctx, 0), { min: 1, max: 1_000_000 }));
      if (v !== null) ctx.draft.server.maxclients = v;
    }),
  ],
]);

/**
 * `user <name> <rules...>`: a Sentinel-port ACL user (resp/acl/), checked with the same rules ACL
 * SETUSER applies, so that a file the agent wrote (or Redis Sentinel wrote) loads back.
 */
function applyUser(ctx: DirectiveContext): void {
  const [name = "", ...rules] = ctx.args;
  const problem = userNameProblem(name);
  if (problem !== null) {
    ctx.fail(problem);
    return;
  }
  const users = ctx.draft.server.users ?? [];
  if (users.some((u) => u.name === name)) {
    ctx.fail(`Duplicate user '${name}' found`);
    return;
  }
  const checked = applyRules(newUser(name), rules, aclCommands());
  if (!checked.ok) {
    ctx.fail(`Error in user declaration '${name}': ${checked.rule}: ${checked.reason}`);
    return;
  }
  ctx.draft.server.users = [...users, { name, rules: [...rules] }];
}

/** Accepted and ignored: why each has no effect on the agent. */
export const SERVER_IGNORED: ReadonlyMap<string, string> = new Map<string, string>([
  ["daemonize", "the agent runs in the foreground; let systemd or the container runtime supervise it"],
  ["supervised", "the agent runs in the foreground; let systemd or the container runtime supervise it"],
  ["pidfile", "the agent writes no pid file; its supervisor tracks the process"],
  ...[
    "acllog-max-len",
    "activerehashing",
    "always-show-logo",
    "appendonly",
    "crash-log-enabled",
    "crash-memcheck-enabled",
    "databases",
    "dbfilename",
    "disable-thp",
    "dynamic-hz",
    "enable-debug-command",
    "enable-module-command",
    "enable-protected-configs",
    "hz",
    "io-threads",
    "io-threads-do-reads",
    "jemalloc-bg-thread",
    "latency-monitor-threshold",
    "latency-tracking",
    "latency-tracking-info-percentiles",
    "lazyfree-lazy-user-del",
    "lazyfree-lazy-user-flush",
    "maxmemory",
    "maxmemory-policy",
    "oom-score-adj",
    "oom-score-adj-values",
    "proc-title-template",
    "save",
    "set-proc-title",
    "slowlog-log-slower-than",
    "slowlog-max-len",
    "syslog-enabled",
    "syslog-facility",
    "syslog-ident",
    "tcp-backlog",
    "tcp-keepalive",
    "timeout",
  ].map((name): [string, string] => [name, "a Redis server setting with no meaning for the agent"]),
]);

/** Recognised but impossible to honour: refusing beats silently running differently. */
export const SERVER_REFUSED: ReadonlyMap<string, string> = new Map<string, string>([
  ["include", "include files are not supported: put the directives in this file"],
  ["loadmodule", "Redis modules cannot be loaded into the agent"],
  [
    "rename-command",
    "renaming the agent's own commands is not supported (sentinel rename-command, for the monitored servers, is)",
  ],
  ["unixsocket", "the agent listens on TCP only"],
  ["unixsocketperm", "the agent listens on TCP only"],
  ["replicaof", "a Sentinel configuration cannot make the agent a replica"],
  ["slaveof", "a Sentinel configuration cannot make the agent a replica"],
  ["aclfile", "ACL files are not supported: put `user` lines in this file (ACL SETUSER rewrites them)"],
]);
