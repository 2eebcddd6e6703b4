// `sentinel-plane <setting> ...` lines: our own settings, in the same file so that one file
// configures an agent. Environment variables override them (env.ts).
import {
  FAILOVER_BLOCK_PERIOD_MS_MAX,
  PRE_PROMOTE_TIMEOUT_MAX_MS,
  PRE_PROMOTE_TIMEOUT_MIN_MS,
  PROMOTION_LAG_MAX,
} from "@sentinel-plane/core";
import type { Directive, DirectiveContext, MasterDirective } from "./directive.js";
import { arg, check } from "./directive.js";
import { hasControlChar } from "./quote.js";
import { LEASE_ROLE, TOKEN_ROLES, tokenEntryOf } from "../roles.js";
import type { IntegerRule, ValueResult } from "./values.js";
import {
  NON_NEGATIVE_MS,
  POSITIVE_MS,
  parseInteger,
  parsePort,
  parseRestRateLimit,
  parseTopologyReplicas,
  shown,
} from "./values.js";

const NATS_SERVERS_MAX = 16;
/** max-promotion-lag-bytes / -ms: 0 (off) up to the core's bound. */
const PROMOTION_LAG: IntegerRule = { min: 0, max: PROMOTION_LAG_MAX };
const NATS_SCHEMES = new Set(["nats:", "tls:", "ws:", "wss:"]);
/** A REST token shorter than this is guessable; refuse it rather than protect nothing. */
export const REST_TOKEN_LENGTH_MIN = 16;

/** One or more URLs, as separate arguments or comma-separated (the SP_NATS_SERVERS form). */
export function parseNatsServers(args: readonly string[]): ValueResult<string[]> {
  const urls = args.flatMap((a) => a.split(",")).map((u) => u.trim());
  if (urls.length === 0 || urls.length > NATS_SERVERS_MAX) {
    return { ok: false, reason: `expected 1 to ${NATS_SERVERS_MAX} NATS URLs, got ${urls.length}` };
  }
  for (const u of urls) {
    if (!isNatsUrl(u))
      return { ok: false, reason: `expected a NATS URL like nats://127.0.0.1:4222, got ${shown(u)}` };
  }
  return { ok: true, value: urls };
}

function isNatsUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return NATS_SCHEMES.has(url.protocol) && url.hostname !== "" && url.pathname.replace(/^\/$/, "") === "";
}

export function parseClusterId(text: string): ValueResult<string> {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(text)) return { ok: true, value: text };
  return {
    ok: false,
    reason: `expected 1-64 letters, digits, "-" or "_" (it becomes part of NATS subjects), got ${shown(text)}`,
  };
}

// `lease`: a data-node's failsafe token (rest/auth.ts), accepted by the lease route only.
const REST_ROLE_NAMES = TOKEN_ROLES;

/**
 * One token or several, comma-separated, each `<token>` (role admin), `<token>:<role>` with a
 * role of read, operate or admin, or `<token>:lease:<node-id>` (rest/auth.ts, roles.ts).
 */
export function parseRestToken(text: string): ValueResult<string> {
  for (const entry of text.split(",").map((e) => e.trim())) {
    const parsed = tokenEntryOf(entry);
    if (parsed === null) {
      return {
        ok: false,
        reason:
          "a lease token names the one data-node it may ask leases for: <token>:lease:<node-id> " +
          "(rest-token <token> lease <node-id>), node id [A-Za-z0-9_-]{1,64}",
      };
    }
    if (parsed.token.length < REST_TOKEN_LENGTH_MIN) {
      return { ok: false, reason: `expected a token of at least ${REST_TOKEN_LENGTH_MIN} characters` };
    }
  }
  return { ok: true, value: text };
}

/**
 * `rest-token <token> [role]`, or `rest-token <token> lease <node-id>`: the role (and node) as
 * the `:<role>[:<node-id>]` suffix of a single token.
 */
function restTokenArgs(args: readonly string[]): ValueResult<string> {
  const [token = "", role, node_id] = args;
  if (role === undefined) return parseRestToken(token);
  if (!REST_ROLE_NAMES.some((name) => name === role)) {
    return { ok: false, reason: `expected a role of ${REST_ROLE_NAMES.join(", ")}, got ${shown(role)}` };
  }
  if (token.includes(",")) return { ok: false, reason: "a role applies to one token: one line per token" };
  if (role !== LEASE_ROLE && node_id !== undefined) {
    return { ok: false, reason: `only a lease token names a data-node, got ${shown(node_id)} after ${role}` };
  }
  return parseRestToken(node_id === undefined ? `${token}:${role}` : `${token}:${role}:${node_id}`);
}

export function parseNonEmpty(text: string, what: string): ValueResult<string> {
  return text === ""
    ? { ok: false, reason: `expected ${what}, got an empty string` }
    : { ok: true, value: text };
}

/** A script the agent executes itself: absolute (no PATH lookup, no cwd), one printable path. */
export function parseScriptPath(text: string): ValueResult<string> {
  if (text.startsWith("/") && !hasControlChar(text)) return { ok: true, value: text };
  return { ok: false, reason: `expected an absolute script path, got ${shown(text)}` };
}

const PRE_PROMOTE_TIMEOUT = { min: PRE_PROMOTE_TIMEOUT_MIN_MS, max: PRE_PROMOTE_TIMEOUT_MAX_MS };
/** Anti-flapping period (libs/core maintenance.ts): 0 turns it off. */
const FAILOVER_BLOCK_PERIOD = { min: 0, max: FAILOVER_BLOCK_PERIOD_MS_MAX };

function setting(
  usage: string,
  arity: readonly [number, number],
  apply: (ctx: DirectiveContext) => void,
): Directive {
  return { kind: "global", arity, usage, apply };
}

export const PLANE_GLOBAL: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  [
    "nats-servers",
    setting("<url> ...", [1, NATS_SERVERS_MAX], (ctx) => {
      const v = check(ctx, parseNatsServers(ctx.args));
      if (v !== null) ctx.draft.plane.nats_servers = v;
    }),
  ],
  [
    "nats-user",
    setting("<username>", [1, 1], (ctx) => {
      const v = check(ctx, parseNonEmpty(arg(ctx, 0), "a username"));
      if (v !== null) ctx.draft.plane.nats_user = v;
    }),
  ],
  [
    "nats-pass",
    setting("<password>", [1, 1], (ctx) => {
      const v = check(ctx, parseNonEmpty(arg(ctx, 0), "a password"));
      if (v !== null) ctx.draft.plane.nats_pass = v;
    }),
  ],
  [
    "nats-token",
    setting("<token>", [1, 1], (ctx) => {
      const v = check(ctx, parseNonEmpty(arg(ctx, 0), "a token"));
      if (v !== null) ctx.draft.plane.nats_token = v;
    }),
  ],
  [
    "cluster-id",
    setting("<id>", [1, 1], (ctx) => {
      const v = check(ctx, parseClusterId(arg(ctx, 0)));
      if (v !== null) ctx.draft.plane.cluster_id = v;
    }),
  ],
  [
    "rest-port",
    setting("<port>", [1, 1], (ctx) => {
      const v = check(ctx, parsePort(arg(ctx, 0)));
      if (v !== null) ctx.draft.plane.rest_port = v;
    }),
  ],
  [
    "rest-token",
    // Several lines add up: one token per role, or several tokens during a rotation.
    setting("<token> [read|operate|admin|lease <node-id>]", [1, 3], (ctx) => {
      const v = check(ctx, restTokenArgs(ctx.args));
      const known = ctx.draft.plane.rest_token;
      if (v !== null) ctx.draft.plane.rest_token = known === null ? v : `${known},${v}`;
    }),
  ],
  [
    "rest-rate-limit",
    setting("<requests-per-second>", [1, 1], (ctx) => {
      const v = check(ctx, parseRestRateLimit(arg(ctx, 0)));
      if (v !== null) ctx.draft.plane.rest_rate_limit = v;
    }),
  ],
  [
    "unauthenticated-timeout",
    setting("<seconds>", [1, 1], (ctx) => {
      const v = check(ctx, parseInteger(arg(ctx, 0), { min: 0, max: 86_400 }));
      if (v !== null) ctx.draft.plane.unauthenticated_timeout_s = v;
    }),
  ],
  [
    "topology-replicas",
    setting("<1-5>", [1, 1], (ctx) => {
      const v = check(ctx, parseTopologyReplicas(arg(ctx, 0)));
      if (v !== null) ctx.draft.plane.topology_replicas = v;
    }),
  ],
  [
    "state-dir",
    setting("<path>", [1, 1], (ctx) => {
      const v = check(ctx, parseNonEmpty(arg(ctx, 0), "a directory"));
      if (v !== null) ctx.draft.plane.state_dir = v;
    }),
  ],
]);

export const PLANE_PER_MASTER: ReadonlyMap<string, MasterDirective> = new Map<string, MasterDirective>([
  [
    "pre-promote-script",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <script-path>",
      apply: (ctx, m) => {
        const path = check(ctx, parseScriptPath(arg(ctx, 1)));
        if (path === null) return;
        // As Redis checks its scripts (access X_OK) when it loads the file.
        if (ctx.isExecutable !== null && !ctx.isExecutable(path, ctx.draft.server.dir)) {
          ctx.fail(`Pre-promote script seems non existing or non executable. (${shown(path)})`);
          return;
        }
        m.pre_promote_script = path;
      },
    },
  ],
  [
    "pre-promote-timeout",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <milliseconds>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), PRE_PROMOTE_TIMEOUT));
        if (v !== null) m.pre_promote_timeout_ms = v;
      },
    },
  ],
  [
    "max-promotion-lag-bytes",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <bytes, 0 = off>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), PROMOTION_LAG));
        if (v !== null) m.max_promotion_lag_bytes = v;
      },
    },
  ],
  [
    "max-promotion-lag-ms",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <milliseconds, 0 = off>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), PROMOTION_LAG));
        if (v !== null) m.max_promotion_lag_ms = v;
      },
    },
  ],
  [
    "election-timeout",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <milliseconds>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), POSITIVE_MS));
        if (v !== null) m.election_timeout_ms = v;
      },
    },
  ],
  [
    "failover-block-period",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <milliseconds>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), FAILOVER_BLOCK_PERIOD));
        if (v !== null) m.failover_block_period_ms = v;
      },
    },
  ],
  [
    // Forget replicas and agents unseen this long (libs/core forget.ts); 0: never.
    "forget-after",
    {
      kind: "master",
      arity: [2, 2],
      usage: "<master-name> <milliseconds>",
      apply: (ctx, m) => {
        const v = check(ctx, parseInteger(arg(ctx, 1), NON_NEGATIVE_MS));
        if (v !== null) m.forget_after_ms = v;
      },
    },
  ],
]);
