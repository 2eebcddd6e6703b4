// Differential harness: send the same requests to a real Redis Sentinel and to our port and
// compare the reply SHAPES: RESP types, field names and their order, error texts, nulls, and
// whether the connection was closed. Values that naturally differ (ids, ports, times, counters)
// are abstracted away by `shapeOf`. "Our side" is any endpoint: the fake-view server in tests
// today, the real agent later. Both sides must describe the same deployment (see the test).
import type { Decoded } from "./test-client.js";
import { RawClient } from "./test-client.js";

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

/**
 * What we deliberately answer differently from redis-sentinel 7.0.15 (kept short; each is
 * either not compared or compared by type only):
 */
export const INTENDED_DIFFERENCES = [
  "SHUTDOWN under way closes the connection with no reply, as Sentinel's exit does (not compared: it would stop both); SENTINEL HELP's and CLIENT HELP's texts differ (CLIENT SETINFO), so HELP is compared by type only",
  "CLIENT TRACKING keeps and reports its state but never sends an invalidation (a Sentinel has no keys); CLIENT UNBLOCK always answers 0 (no command blocks in Redis's sense)",
  "ACL: no selectors; ACL CAT also lists the role categories sp-read/sp-operate/sp-admin; a user's commands are described as Redis 7.2 does (the rules in order), 7.0 recomputes them from a bitmap",
  "SENTINEL DEBUG validates, keeps and lists Sentinel's 13 parameters; info-period, tilt-trigger and tilt-period change the agent's timing, the others none (no counterpart of the same meaning: PINGs every down-after / 10, hellos over NATS); an unknown option is one error reply (Sentinel: an error, then +OK)",
  "QUIT answers +OK and CLIENT SETINFO is accepted (Redis 7.2 behaviour; redis-py sends it); 7.0.15 Sentinel rejects both",
  "COMMAND lists Sentinel 7.0's 15 commands and 72 names; our extensions (QUIT, CLIENT SETINFO, SENTINEL PAUSE/RESUME/ACK-FAILOVER) run and are described by name only (COMMAND INFO/DOCS <name>); COMMAND DOCS is minimal (summary, since, group)",
  "UNSUBSCRIBE/PUNSUBSCRIBE without arguments leave channels in subscription order (Redis: hash order)",
  "PUBLISH __sentinel__:hello is acknowledged with 0 and ignored: agents do not mix with Redis Sentinels",
  "SENTINEL MONITOR repeated with the same name, address and quorum answers +OK (agents share a MONITOR, so configuring each agent in turn, as Redis's docs and test suite do, must not fail); a conflicting one is refused as by Sentinel",
] as const;

export interface DifferentialCase {
  /** Sent on the shared connection, in order (state such as HELLO 3 carries over). */
  readonly argv?: readonly string[];
  /** Sent as raw bytes on a fresh connection; the close state is compared too. */
  readonly raw?: string;
  /** "full" (default): types, field names, texts; "structure": types and nesting only (the
   * texts are the instances' own, e.g. INFO-CACHE); "type": top-level type only. */
  readonly compare?: "full" | "structure" | "type";
  /** Several replies expected (SUBSCRIBE with several channels). */
  readonly replies?: number;
}

export interface Setup {
  readonly master_name: string;
  readonly primary: Endpoint;
}

/**
 * The command list, for a deployment of one primary (`master_name`) and one replica. The order is
 * part of each case: state (HELLO 3, CLIENT TRACKING, ACL LOG, subscriptions) carries over.
 */
export function differentialCases(setup: Setup): DifferentialCase[] {
  return [
    ...sentinelReadCases(setup),
    ...sentinelChangeCases(setup),
    ...infoAndClientCases(),
    ...clientSubcommandCases(),
    ...commandAndAuthCases(),
    ...aclCases(),
    ...protocolCases(setup),
  ];
}

function command(...argv: string[]): DifferentialCase {
  return { argv };
}

/** SENTINEL, PING and ROLE: the replies that describe the deployment, and their errors. */
function sentinelReadCases(setup: Setup): DifferentialCase[] {
  const name = setup.master_name;
  const port = String(setup.primary.port);
  return [
    command("PING"),
    command("PING", "hello"),
    command("PING", "a", "b"),
    command("ROLE"),
    command("SENTINEL", "MASTERS"),
    command("SENTINEL", "MASTER", name),
    command("SENTINEL", "MASTER", "nosuchmaster"),
    command("SENTINEL", "REPLICAS", name),
    command("SENTINEL", "SLAVES", name),
    command("SENTINEL", "SENTINELS", name),
    command("SENTINEL", "SENTINELS", "nosuchmaster"),
    command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
    command("SENTINEL", "get-master-addr-by-name", "nosuchmaster"),
    command("SENTINEL", "get-master-addr-by-name"),
    command("SENTINEL", "MYID"),
    command("SENTINEL", "MYID", "extra"),
    command("SENTINEL", "CKQUORUM", name),
    command("SENTINEL", "CKQUORUM", "nosuchmaster"),
    command("SENTINEL", "PENDING-SCRIPTS"),
    command("SENTINEL", "CONFIG", "GET", "*"),
    command("SENTINEL", "CONFIG", "GET", "resolve-hostnames"),
    command("SENTINEL", "CONFIG", "GET", "nosuchparam"),
    command("SENTINEL", "CONFIG", "GET"),
    command("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"),
    command("SENTINEL", "CONFIG", "SET", "nosuchparam", "1"),
    { argv: ["SENTINEL", "INFO-CACHE", name], compare: "structure" },
    command("SENTINEL", "INFO-CACHE", "nosuchmaster"),
    command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", setup.primary.host, port, "0", "*"),
    command("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", setup.primary.host, "notaport", "0", "*"),
    command("SENTINEL", "SIMULATE-FAILURE", "help"),
    command("SENTINEL", "DEBUG"),
    command("SENTINEL", "DEBUG", "info-period", "0"),
    command("SENTINEL", "DEBUG", "tilt-period", "30000"),
    command("SENTINEL", "DEBUG", "nosuchparam", "1"),
    command("SENTINEL", "SIMULATE-FAILURE", "nosuchfailure"),
    command("SENTINEL", "SIMULATE-FAILURE"),
    { argv: ["SENTINEL", "HELP"], compare: "type" },
    command("SENTINEL", "NOSUCHSUB"),
    command("SENTINEL"),
  ];
}

/** SENTINEL SET, MONITOR, RESET, REMOVE, FAILOVER, FLUSHCONFIG on a master of their own (`diffm`). */
function sentinelChangeCases(setup: Setup): DifferentialCase[] {
  const name = setup.master_name;
  const port = String(setup.primary.port);
  return [
    command("SENTINEL", "SET", name, "nosuchoption", "1"),
    command("SENTINEL", "SET", name, "quorum", "0"),
    command("SENTINEL", "SET", name, "quorum"),
    command("SENTINEL", "SET", "nosuchmaster", "quorum", "1"),
    command("SENTINEL", "MONITOR", "diffm", setup.primary.host, "notaport", "1"),
    command("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "0"),
    command("SENTINEL", "MONITOR", "diffm", setup.primary.host, port),
    command("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "1"),
    // A conflicting repeat (another quorum): Duplicate master name from both. An identical repeat
    // is OK on ours (INTENDED_DIFFERENCES), tested in libs/core admin.test.ts.
    command("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "2"),
    command("SENTINEL", "SET", "diffm", "quorum", "2", "down-after-milliseconds", "5000"),
    command("SENTINEL", "RESET", "diffm"),
    command("SENTINEL", "RESET", "nomatch*"),
    command("SENTINEL", "REMOVE", "diffm"),
    command("SENTINEL", "REMOVE", "diffm"),
    command("SENTINEL", "FAILOVER", "nosuchmaster"),
    command("SENTINEL", "FLUSHCONFIG"),
    command("SENTINEL", "FLUSHCONFIG", "extra"),
  ];
}

/** INFO sections and the basic CLIENT subcommands. */
function infoAndClientCases(): DifferentialCase[] {
  return [
    command("INFO"),
    command("INFO", "sentinel"),
    command("INFO", "server"),
    command("INFO", "clients", "sentinel"),
    command("INFO", "nosuchsection"),
    command("CLIENT", "ID"),
    command("CLIENT", "GETNAME"),
    command("CLIENT", "SETNAME", "differential"),
    command("CLIENT", "SETNAME", "bad name"),
    command("CLIENT", "GETNAME"),
    command("CLIENT", "INFO"),
    command("CLIENT", "NOSUCHSUB"),
    command("CLIENT", "KILL", "1.2.3.4:5"),
    command("CLIENT", "KILL", "ID", "999999"),
  ];
}

/** The CLIENT subcommands of Sentinel 7.0 beyond the basic ones (client-commands.ts). */
function clientSubcommandCases(): DifferentialCase[] {
  return [
    command("CLIENT", "GETREDIR"),
    command("CLIENT", "TRACKINGINFO"),
    command("CLIENT", "CACHING", "yes"),
    command("CLIENT", "TRACKING", "on", "optin"),
    command("CLIENT", "TRACKINGINFO"),
    command("CLIENT", "GETREDIR"),
    command("CLIENT", "CACHING", "yes"),
    command("CLIENT", "CACHING", "no"),
    command("CLIENT", "TRACKINGINFO"),
    command("CLIENT", "TRACKING", "on", "optout"),
    command("CLIENT", "TRACKING", "on", "bcast"),
    command("CLIENT", "TRACKING", "off"),
    command("CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"),
    command("CLIENT", "TRACKING", "on", "bcast", "prefix", "b", "noloop"),
    command("CLIENT", "TRACKING", "on", "bcast", "prefix", "bc"),
    command("CLIENT", "TRACKINGINFO"),
    command("CLIENT", "INFO"),
    command("CLIENT", "TRACKING", "off", "bogus"),
    command("CLIENT", "TRACKING", "off"),
    command("CLIENT", "TRACKING", "on", "bcast"),
    command("CLIENT", "TRACKINGINFO"),
    command("CLIENT", "TRACKING", "off"),
    command("CLIENT", "TRACKING", "on", "optin", "optout"),
    command("CLIENT", "TRACKING", "on", "optin", "bcast"),
    command("CLIENT", "TRACKING", "on", "prefix", "a"),
    command("CLIENT", "TRACKING", "on", "redirect", "x"),
    command("CLIENT", "TRACKING", "on", "redirect", "999999"),
    command("CLIENT", "TRACKING", "maybe"),
    command("CLIENT", "TRACKING", "off"),
    command("CLIENT", "NO-EVICT", "on"),
    command("CLIENT", "INFO"),
    command("CLIENT", "NO-EVICT", "off"),
    command("CLIENT", "NO-EVICT", "x"),
    command("CLIENT", "REPLY", "on"),
    command("CLIENT", "REPLY", "x"),
    command("CLIENT", "UNBLOCK", "999999"),
    command("CLIENT", "UNBLOCK", "999999", "error"),
    command("CLIENT", "UNBLOCK", "999999", "x"),
    command("CLIENT", "UNBLOCK", "x"),
    command("CLIENT", "UNBLOCK", "1", "2", "3"),
    command("CLIENT", "PAUSE", "x"),
    command("CLIENT", "PAUSE", "-1"),
    command("CLIENT", "PAUSE", "10", "x"),
    command("CLIENT", "PAUSE", "10", "all", "x"),
    command("CLIENT", "PAUSE", "0", "write"),
    command("CLIENT", "UNPAUSE"),
    command("CLIENT", "UNPAUSE", "x"),
    command("CLIENT", "LIST", "TYPE", "master"),
    command("CLIENT", "LIST", "TYPE", "pubsub"),
    command("CLIENT", "LIST", "TYPE", "x"),
    command("CLIENT", "LIST", "ID", "x"),
    command("CLIENT", "LIST", "ID", "999999"),
    command("CLIENT", "LIST", "x"),
    command("CLIENT", "KILL", "TYPE", "x"),
    command("CLIENT", "KILL", "TYPE", "master"),
    command("CLIENT", "KILL", "ID", "x", "SKIPME"),
    command("CLIENT", "KILL", "ID", "5", "SKIPME"),
    { argv: ["CLIENT", "HELP"], compare: "type" },
  ];
}

/** SHUTDOWN's refusals, COMMAND and AUTH. */
function commandAndAuthCases(): DifferentialCase[] {
  return [
    command("SHUTDOWN", "ABORT"),
    command("SHUTDOWN", "FOO"),
    command("SHUTDOWN", "ABORT", "NOW"),
    command("SHUTDOWN", "NOSAVE", "SAVE"),
    command("COMMAND", "COUNT"),
    { argv: ["COMMAND", "LIST"], compare: "structure" },
    command("COMMAND", "INFO", "acl|log", "acl|dryrun"),
    command("COMMAND", "INFO", "ping"),
    command("COMMAND", "INFO", "shutdown", "client|caching", "client|getredir", "client|no-evict"),
    command("COMMAND", "INFO", "client|pause", "client|reply", "client|tracking", "client|trackinginfo"),
    command("COMMAND", "INFO", "client|unblock", "client|unpause", "client|kill", "client|list"),
    command("COMMAND", "INFO", "command|getkeysandflags"),
    command("COMMAND", "GETKEYSANDFLAGS", "ping", "x"),
    command("COMMAND", "NOSUCHSUB"),
    command("AUTH", "x"),
    command("AUTH", "someone", "x"),
  ];
}

/** ACL users (issue 14): the default user and Redis's errors are the same on both sides. */
function aclCases(): DifferentialCase[] {
  return [
    command("ACL", "WHOAMI"),
    command("ACL", "USERS"),
    command("ACL", "LIST"),
    command("ACL", "GETUSER", "default"),
    command("ACL", "GETUSER", "nobody"),
    command("ACL", "SETUSER", "difftest", "bogus"),
    command("ACL", "SETUSER", "difftest", "+nosuch"),
    command("ACL", "DELUSER", "default"),
    command("ACL", "DELUSER", "nobody"),
    command("ACL", "CAT", "nosuch"),
    command("ACL", "SAVE"),
    command("ACL", "NOSUCHSUB"),
    command("ACL", "DRYRUN", "default", "ping"),
    command("ACL", "DRYRUN", "default", "sentinel", "masters"),
    command("ACL", "DRYRUN", "nobody", "ping"),
    command("ACL", "DRYRUN", "default", "nocmd"),
    command("ACL", "DRYRUN", "default", "sentinel"),
    command("ACL", "DRYRUN", "default", "sentinel", "nosub"),
    command("ACL", "DRYRUN", "default", "ping", "a", "b"),
    command("ACL", "SETUSER", "difflimited", "on", "nopass", "-@all", "+ping"),
    command("ACL", "DRYRUN", "difflimited", "info"),
    command("ACL", "DRYRUN", "difflimited", "sentinel", "masters"),
    command("ACL", "DRYRUN", "difflimited", "auth", "x"),
    // ACL LOG: emptied, then one failed login and one refused command (the same on both sides).
    command("ACL", "LOG", "RESET"),
    command("ACL", "LOG"),
    command("AUTH", "someone", "x"),
    command("AUTH", "someone", "x"),
    command("AUTH", "difflimited", "x"),
    command("INFO"),
    command("AUTH", "default", "x"),
    command("ACL", "LOG"),
    command("ACL", "LOG", "1"),
    command("ACL", "LOG", "-1"),
    command("ACL", "LOG", "x"),
    command("ACL", "LOG", "1", "2"),
    command("ACL", "DELUSER", "difflimited"),
  ];
}

/** HELLO, unknown commands, RESP3, pub/sub and raw (malformed or pipelined) requests. */
function protocolCases(setup: Setup): DifferentialCase[] {
  const name = setup.master_name;
  return [
    command("HELLO"),
    command("HELLO", "4"),
    command("HELLO", "x"),
    command("FOO", "bar"),
    command("GET", "key"),
    command("PUBLISH", "channel", "message"),
    command("HELLO", "3"),
    command("ACL", "LOG", "1"),
    command("SENTINEL", "MASTER", name),
    command("SENTINEL", "REPLICAS", name),
    command("SENTINEL", "get-master-addr-by-name", "nosuchmaster"),
    command("SENTINEL", "CONFIG", "GET", "*"),
    { argv: ["SENTINEL", "INFO-CACHE", name], compare: "structure" },
    command("CLIENT", "GETNAME"),
    command("INFO", "sentinel"),
    command("HELLO", "2"),
    { argv: ["SUBSCRIBE", "+switch-master", "+sdown"], replies: 2 },
    command("PSUBSCRIBE", "*"),
    command("PING"),
    command("PING", "x"),
    command("SENTINEL", "MYID"),
    command("UNSUBSCRIBE", "+sdown"),
    command("PUNSUBSCRIBE"),
    command("UNSUBSCRIBE"),
    command("UNSUBSCRIBE"),
    command("PING"),
    { raw: "PING\r\n" },
    // CLIENT REPLY OFF/SKIP: only the ON and the last PING answer.
    { raw: "CLIENT REPLY OFF\r\nPING\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\n" },
    { raw: "CLIENT REPLY SKIP\r\nPING a\r\nPING b\r\n" },
    { raw: "sentinel  get-master-addr-by-name   nosuchmaster\r\n" },
    { raw: "*1\r\n$999999999999\r\n" },
    { raw: "*99999999999\r\n" },
    { raw: "*1\r\n*1\r\n" },
    { raw: "*1\r\n$-1\r\n" },
    { raw: 'PING "unbalanced\r\n' },
  ];
}

/** Texts that name things (field names, flags, roles, commands) are kept; others become "…". */
function keepText(value: string): string {
  return /^[A-Za-z_+*@|-][A-Za-z_,|*+@-]*$/.test(value) && value.length <= 40 ? value : "…";
}

function keysOf(lines: readonly string[], separator: string): string[] {
  return lines
    .filter((line) => line.includes(separator))
    .map((line) => line.slice(0, line.indexOf(separator)));
}

/** Types and nesting only. */
export function structureOf(reply: Decoded): unknown {
  if (reply.type === "array" || reply.type === "push" || reply.type === "set")
    return [reply.type, ...reply.items.map(structureOf)];
  if (reply.type === "map")
    return ["map", ...reply.entries.map(([key, value]) => [structureOf(key), structureOf(value)])];
  return reply.type;
}

/** The comparable shape of a reply (values that naturally differ abstracted away). */
export function shapeOf(reply: Decoded): unknown {
  switch (reply.type) {
    case "simple":
    case "error":
      // Whole texts, numbers abstracted ("OK 1 usable Sentinels...", "ERR ... '...'").
      return `${reply.type}:${reply.value.replace(/\d+/g, "N")}`;
    case "bulk":
    case "verbatim": {
      const value = reply.value;
      if (value.startsWith("# ")) {
        // INFO text: section titles and keys in order; masterN lines by their keys.
        return `info:${value
          .split("\r\n")
          .map((line) =>
            line.startsWith("# ")
              ? line
              : line.startsWith("master")
                ? keysOf(line.slice(line.indexOf(":") + 1).split(","), "=").join(",")
                : keysOf([line], ":").join(""),
          )
          .filter((line) => line.length > 0)
          .join("|")}`;
      }
      if (/^id=\d+ /.test(value)) return `client:${keysOf(value.trim().split(" "), "=").join(",")}`;
      return `${reply.type}:${keepText(value)}`;
    }
    case "integer":
    case "double":
    case "bignum":
    case "boolean":
      return reply.type;
    case "null":
    case "null_bulk":
    case "null_array":
      return reply.type;
    case "array":
    case "push":
    case "set":
      return [reply.type, ...reply.items.map(shapeOf)];
    case "map":
      return ["map", ...reply.entries.map(([key, value]) => [shapeOf(key), shapeOf(value)])];
  }
}

export interface Observation {
  readonly replies: readonly unknown[];
  readonly closed: boolean;
}

export interface Mismatch {
  readonly request: string;
  readonly real: Observation;
  readonly ours: Observation;
}

async function observeRaw(endpoint: Endpoint, raw: string): Promise<Observation> {
  const client = await RawClient.open(endpoint.port, endpoint.host);
  try {
    client.sendRaw(raw);
    const replies = await client.replies(1);
    // A protocol error closes at once; a valid request leaves the connection open. Probe with a
    // PING: it is answered only while the connection is open.
    if (!client.closed) {
      client.send(["PING"]);
      await client.replies(1).catch(() => []);
    }
    return { replies: replies.map(shapeOf), closed: client.closed };
  } finally {
    client.close();
  }
}

function describe(c: DifferentialCase): string {
  return c.argv !== undefined ? c.argv.join(" ") : `raw ${JSON.stringify(c.raw)}`;
}

/** Runs every case on both endpoints and returns the shape mismatches (empty: equivalent). */
export async function runDifferential(
  real: Endpoint,
  ours: Endpoint,
  cases: readonly DifferentialCase[],
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  const realClient = await RawClient.open(real.port, real.host);
  const ourClient = await RawClient.open(ours.port, ours.host);
  try {
    for (const c of cases) {
      let pair: [Observation, Observation];
      if (c.raw !== undefined) {
        pair = [await observeRaw(real, c.raw), await observeRaw(ours, c.raw)];
      } else {
        const argv = c.argv ?? [];
        const count = c.replies ?? 1;
        const observe = async (client: RawClient): Promise<Observation> => {
          client.send(argv);
          const replies = await client.replies(count);
          return {
            replies: replies.map((r) =>
              c.compare === "type" ? r.type : c.compare === "structure" ? structureOf(r) : shapeOf(r),
            ),
            closed: false,
          };
        };
        pair = [await observe(realClient), await observe(ourClient)];
      }
      if (JSON.stringify(pair[0]) !== JSON.stringify(pair[1])) {
        mismatches.push({ request: describe(c), real: pair[0], ours: pair[1] });
      }
    }
  } finally {
    realClient.close();
    ourClient.close();
  }
  return mismatches;
}
