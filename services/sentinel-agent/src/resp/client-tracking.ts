// CLIENT TRACKING / CACHING / TRACKINGINFO / GETREDIR with Redis 7.0's option checks, in its
// order (networking.c clientCommand, tracking.c enableTracking). A Sentinel has no keys, so no
// invalidation is ever sent: only the per-connection state and the replies are kept, which is
// what Sentinel itself does with them.
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, bulkArray, errorErr, integer, map, OK } from "./reply.js";

export interface TrackingState {
  on: boolean;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** Set by CLIENT CACHING yes|no, cleared after the next command that is not CLIENT. */
  caching: boolean;
  /** 0: no redirection. */
  redirect: number;
  /** BCAST prefixes in insertion order ("" when BCAST was given none: every key). */
  readonly prefixes: string[];
}

export function newTrackingState(): TrackingState {
  return {
    on: false,
    bcast: false,
    optin: false,
    optout: false,
    noloop: false,
    caching: false,
    redirect: 0,
    prefixes: [],
  };
}

const SYNTAX_ERROR = errorErr("syntax error");
const NOT_INTEGER = errorErr("value is not an integer or out of range");

function overlaps(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return a.slice(0, length) === b.slice(0, length);
}

/** tracking.c checkPrefixCollisionsOrReply: against the existing prefixes, then among the new. */
function prefixCollision(existing: readonly string[], added: readonly string[]): Reply | null {
  for (let i = 0; i < added.length; i++) {
    const prefix = added[i] ?? "";
    const old = existing.find((p) => overlaps(p, prefix));
    if (old !== undefined) {
      return errorErr(
        `Prefix '${prefix}' overlaps with an existing prefix '${old}'. Prefixes for a single client must not overlap.`,
      );
    }
    for (const other of added.slice(i + 1)) {
      if (overlaps(prefix, other)) {
        return errorErr(
          `Prefix '${prefix}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`,
        );
      }
    }
  }
  return null;
}

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]. */
export function trackingCommand(
  state: TrackingState,
  argv: readonly string[],
  clientExists: (id: number) => boolean,
): Reply {
  let redirect = 0;
  let bcast = false;
  let optin = false;
  let optout = false;
  let noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const option = (argv[j] ?? "").toLowerCase();
    const moreargs = argv.length - 1 - j > 0;
    if (option === "redirect" && moreargs) {
      j++;
      if (redirect !== 0) return errorErr("A client can only redirect to a single other client");
      const id = parseStrictInteger(argv[j] ?? "");
      if (id === null) return NOT_INTEGER;
      if (!clientExists(id)) return errorErr("The client ID you want redirect to does not exist");
      redirect = id;
    } else if (option === "bcast") bcast = true;
    else if (option === "optin") optin = true;
    else if (option === "optout") optout = true;
    else if (option === "noloop") noloop = true;
    else if (option === "prefix" && moreargs) prefixes.push(argv[++j] ?? "");
    else return SYNTAX_ERROR;
  }
  const mode = (argv[2] ?? "").toLowerCase();
  if (mode === "off") {
    Object.assign(state, { on: false, bcast: false, optin: false, optout: false, noloop: false });
    Object.assign(state, { caching: false, redirect: 0 });
    state.prefixes.length = 0;
    return OK;
  }
  if (mode !== "on") return SYNTAX_ERROR;
  if (!bcast && prefixes.length > 0) return errorErr("PREFIX option requires BCAST mode to be enabled");
  if (state.on && state.bcast !== bcast) {
    return errorErr(
      "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (bcast && (optin || optout)) return errorErr("OPTIN and OPTOUT are not compatible with BCAST");
  if (optin && optout) return errorErr("You can't specify both OPTIN mode and OPTOUT mode");
  if (state.on && ((optin && state.optout) || (optout && state.optin))) {
    return errorErr(
      "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    );
  }
  if (bcast) {
    const collision = prefixCollision(state.on ? state.prefixes : [], prefixes);
    if (collision !== null) return collision;
  }
  if (!state.on) state.prefixes.length = 0;
  Object.assign(state, { on: true, bcast, optin, optout, noloop, redirect });
  if (bcast) {
    for (const prefix of prefixes.length === 0 ? [""] : prefixes) {
      if (!state.prefixes.includes(prefix)) state.prefixes.push(prefix);
    }
  }
  return OK;
}

/** CLIENT CACHING YES|NO. */
export function cachingCommand(state: TrackingState, value: string): Reply {
  if (!state.on || !(state.optin || state.optout)) {
    return errorErr(
      "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
    );
  }
  const lowered = value.toLowerCase();
  if (lowered === "yes") {
    if (!state.optin)
      return errorErr("CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
  } else if (lowered === "no") {
    if (!state.optout)
      return errorErr("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
  } else {
    return SYNTAX_ERROR;
  }
  state.caching = true;
  return OK;
}

/** CLIENT TRACKINGINFO: flags, redirect, prefixes, in Redis's order. */
export function trackingInfoReply(state: TrackingState): Reply {
  const flags: string[] = [];
  if (!state.on) flags.push("off");
  else {
    flags.push("on");
    if (state.bcast) flags.push("bcast");
    if (state.optin) flags.push("optin");
    if (state.optin && state.caching) flags.push("caching-yes");
    if (state.optout) flags.push("optout");
    if (state.optout && state.caching) flags.push("caching-no");
    if (state.noloop) flags.push("noloop");
  }
  return map([
    ["flags", bulkArray(flags)],
    ["redirect", integer(state.on ? state.redirect : -1)],
    ["prefixes", array(state.prefixes.map((p) => bulk(p)))],
  ]);
}

/** CLIENT GETREDIR: the redirection (0: none) while tracking, -1 otherwise. */
export function getRedirReply(state: TrackingState): Reply {
  return integer(state.on ? state.redirect : -1);
}
