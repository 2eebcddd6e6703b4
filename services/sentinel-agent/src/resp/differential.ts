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

/** The command list, for a deployment of one primary (`master_name`) and one replica. */
export function differentialCases(setup: Setup): DifferentialCase[] {
  const name = setup.master_name;
  const port = String(setup.primary.port);
  const c = (...argv: string[]): DifferentialCase => ({ argv });
  return [
    c("PING"),
    c("PING", "hello"),
    c("PING", "a", "b"),
    c("ROLE"),
    c("SENTINEL", "MASTERS"),
    c("SENTINEL", "MASTER", name),
    c("SENTINEL", "MASTER", "nosuchmaster"),
    c("SENTINEL", "REPLICAS", name),
    c("SENTINEL", "SLAVES", name),
    c("SENTINEL", "SENTINELS", name),
    c("SENTINEL", "SENTINELS", "nosuchmaster"),
    c("SENTINEL", "GET-MASTER-ADDR-BY-NAME", name),
    c("SENTINEL", "get-master-addr-by-name", "nosuchmaster"),
    c("SENTINEL", "get-master-addr-by-name"),
    c("SENTINEL", "MYID"),
    c("SENTINEL", "MYID", "extra"),
    c("SENTINEL", "CKQUORUM", name),
    c("SENTINEL", "CKQUORUM", "nosuchmaster"),
    c("SENTINEL", "PENDING-SCRIPTS"),
    c("SENTINEL", "CONFIG", "GET", "*"),
    c("SENTINEL", "CONFIG", "GET", "resolve-hostnames"),
    c("SENTINEL", "CONFIG", "GET", "nosuchparam"),
    c("SENTINEL", "CONFIG", "GET"),
    c("SENTINEL", "CONFIG", "SET", "resolve-hostnames", "no"),
    c("SENTINEL", "CONFIG", "SET", "nosuchparam", "1"),
    { argv: ["SENTINEL", "INFO-CACHE", name], compare: "structure" },
    c("SENTINEL", "INFO-CACHE", "nosuchmaster"),
    c("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", setup.primary.host, port, "0", "*"),
    c("SENTINEL", "IS-MASTER-DOWN-BY-ADDR", setup.primary.host, "notaport", "0", "*"),
    c("SENTINEL", "SIMULATE-FAILURE", "help"),
    c("SENTINEL", "DEBUG"),
    c("SENTINEL", "DEBUG", "info-period", "0"),
    c("SENTINEL", "DEBUG", "tilt-period", "30000"),
    c("SENTINEL", "DEBUG", "nosuchparam", "1"),
    c("SENTINEL", "SIMULATE-FAILURE", "nosuchfailure"),
    c("SENTINEL", "SIMULATE-FAILURE"),
    { argv: ["SENTINEL", "HELP"], compare: "type" },
    c("SENTINEL", "NOSUCHSUB"),
    c("SENTINEL"),
    c("SENTINEL", "SET", name, "nosuchoption", "1"),
    c("SENTINEL", "SET", name, "quorum", "0"),
    c("SENTINEL", "SET", name, "quorum"),
    c("SENTINEL", "SET", "nosuchmaster", "quorum", "1"),
    c("SENTINEL", "MONITOR", "diffm", setup.primary.host, "notaport", "1"),
    c("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "0"),
    c("SENTINEL", "MONITOR", "diffm", setup.primary.host, port),
    c("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "1"),
    // A conflicting repeat (another quorum): Duplicate master name from both. An identical repeat
    // is OK on ours (INTENDED_DIFFERENCES), tested in libs/core admin.test.ts.
    c("SENTINEL", "MONITOR", "diffm", setup.primary.host, port, "2"),
    c("SENTINEL", "SET", "diffm", "quorum", "2", "down-after-milliseconds", "5000"),
    c("SENTINEL", "RESET", "diffm"),
    c("SENTINEL", "RESET", "nomatch*"),
    c("SENTINEL", "REMOVE", "diffm"),
    c("SENTINEL", "REMOVE", "diffm"),
    c("SENTINEL", "FAILOVER", "nosuchmaster"),
    c("SENTINEL", "FLUSHCONFIG"),
    c("SENTINEL", "FLUSHCONFIG", "extra"),
    c("INFO"),
    c("INFO", "sentinel"),
    c("INFO", "server"),
    c("INFO", "clients", "sentinel"),
    c("INFO", "nosuchsection"),
    c("CLIENT", "ID"),
    c("CLIENT", "GETNAME"),
    c("CLIENT", "SETNAME", "differential"),
    c("CLIENT", "SETNAME", "bad name"),
    c("CLIENT", "GETNAME"),
    c("CLIENT", "INFO"),
    c("CLIENT", "NOSUCHSUB"),
    c("CLIENT", "KILL", "1.2.3.4:5"),
    c("CLIENT", "KILL", "ID", "999999"),
    // The CLIENT subcommands of Sentinel 7.0 beyond the basic ones (client-commands.ts).
    c("CLIENT", "GETREDIR"),
    c("CLIENT", "TRACKINGINFO"),
    c("CLIENT", "CACHING", "yes"),
    c("CLIENT", "TRACKING", "on", "optin"),
    c("CLIENT", "TRACKINGINFO"),
    c("CLIENT", "GETREDIR"),
    c("CLIENT", "CACHING", "yes"),
    c("CLIENT", "CACHING", "no"),
    c("CLIENT", "TRACKINGINFO"),
    c("CLIENT", "TRACKING", "on", "optout"),
    c("CLIENT", "TRACKING", "on", "bcast"),
    c("CLIENT", "TRACKING", "off"),
    c("CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"),
    c("CLIENT", "TRACKING", "on", "bcast", "prefix", "b", "noloop"),
    c("CLIENT", "TRACKING", "on", "bcast", "prefix", "bc"),
    c("CLIENT", "TRACKINGINFO"),
    c("CLIENT", "INFO"),
    c("CLIENT", "TRACKING", "off", "bogus"),
    c("CLIENT", "TRACKING", "off"),
    c("CLIENT", "TRACKING", "on", "bcast"),
    c("CLIENT", "TRACKINGINFO"),
    c("CLIENT", "TRACKING", "off"),
    c("CLIENT", "TRACKING", "on", "optin", "optout"),
    c("CLIENT", "TRACKING", "on", "optin", "bcast"),
    c("CLIENT", "TRACKING", "on", "prefix", "a"),
    c("CLIENT", "TRACKING", "on", "redirect", "x"),
    c("CLIENT", "TRACKING", "on", "redirect", "999999"),
    c("CLIENT", "TRACKING", "maybe"),
    c("CLIENT", "TRACKING", "off"),
    c("CLIENT", "NO-EVICT", "on"),
    c("CLIENT", "INFO"),
    c("CLIENT", "NO-EVICT", "off"),
    c("CLIENT", "NO-EVICT", "x"),
    c("CLIENT", "REPLY", "on"),
    c("CLIENT", "REPLY", "x"),
    c("CLIENT", "UNBLOCK", "999999"),
    c("CLIENT", "UNBLOCK", "999999", "error"),
    c("CLIENT", "UNBLOCK", "999999", "x"),
    c("CLIENT", "UNBLOCK", "x"),
    c("CLIENT", "UNBLOCK", "1", "2", "3"),
    c("CLIENT", "PAUSE", "x"),
    c("CLIENT", "PAUSE", "-1"),
    c("CLIENT", "PAUSE", "10", "x"),
    c("CLIENT", "PAUSE", "10", "all", "x"),
    c("CLIENT", "PAUSE", "0", "write"),
    c("CLIENT", "UNPAUSE"),
    c("CLIENT", "UNPAUSE", "x"),
    c("CLIENT", "LIST", "TYPE", "master"),
    c("CLIENT", "LIST", "TYPE", "pubsub"),
    c("CLIENT", "LIST", "TYPE", "x"),
    c("CLIENT", "LIST", "ID", "x"),
    c("CLIENT", "LIST", "ID", "999999"),
    c("CLIENT", "LIST", "x"),
    c("CLIENT", "KILL", "TYPE", "x"),
    c("CLIENT", "KILL", "TYPE", "master"),
    c("CLIENT", "KILL", "ID", "x", "SKIPME"),
    c("CLIENT", "KILL", "ID", "5", "SKIPME"),
    { argv: ["CLIENT", "HELP"], compare: "type" },
    c("SHUTDOWN", "ABORT"),
    c("SHUTDOWN", "FOO"),
    c("SHUTDOWN", "ABORT", "NOW"),
    c("SHUTDOWN", "NOSAVE", "SAVE"),
    c("COMMAND", "COUNT"),
    { argv: ["COMMAND", "LIST"], compare: "structure" },
    c("COMMAND", "INFO", "acl|log", "acl|dryrun"),
    c("COMMAND", "INFO", "ping"),
    c("COMMAND", "INFO", "shutdown", "client|caching", "client|getredir", "client|no-evict"),
    c("COMMAND", "INFO", "client|pause", "client|reply", "client|tracking", "client|trackinginfo"),
    c("COMMAND", "INFO", "client|unblock", "client|unpause", "client|kill", "client|list"),
    c("COMMAND", "INFO", "command|getkeysandflags"),
    c("COMMAND", "GETKEYSANDFLAGS", "ping", "x"),
    c("COMMAND", "NOSUCHSUB"),
    c("AUTH", "x"),
    c("AUTH", "someone", "x"),
    // ACL users (issue 14): the default user and Redis's errors are the same on both sides.
    c("ACL", "WHOAMI"),
    c("ACL", "USERS"),
    c("ACL", "LIST"),
    c("ACL", "GETUSER", "default"),
    c("ACL", "GETUSER", "nobody"),
    c("ACL", "SETUSER", "difftest", "bogus"),
    c("ACL", "SETUSER", "difftest", "+nosuch"),
    c("ACL", "DELUSER", "default"),
    c("ACL", "DELUSER", "nobody"),
    c("ACL", "CAT", "nosuch"),
    c("ACL", "SAVE"),
    c("ACL", "NOSUCHSUB"),
    c("ACL", "DRYRUN", "default", "ping"),
    c("ACL", "DRYRUN", "default", "sentinel", "masters"),
    c("ACL", "DRYRUN", "nobody", "ping"),
    c("ACL", "DRYRUN", "default", "nocmd"),
    c("ACL", "DRYRUN", "default", "sentinel"),
    c("ACL", "DRYRUN", "default", "sentinel", "nosub"),
    c("ACL", "DRYRUN", "default", "ping", "a", "b"),
    c("ACL", "SETUSER", "difflimited", "on", "nopass", "-@all", "+ping"),
    c("ACL", "DRYRUN", "difflimited", "info"),
    c("ACL", "DRYRUN", "difflimited", "sentinel", "masters"),
    c("ACL", "DRYRUN", "difflimited", "auth", "x"),
    // ACL LOG: emptied, then one failed login and one refused command (the same on both sides).
    c("ACL", "LOG", "RESET"),
    c("ACL", "LOG"),
    c("AUTH", "someone", "x"),
    c("AUTH", "someone", "x"),
    c("AUTH", "difflimited", "x"),
    c("INFO"),
    c("AUTH", "default", "x"),
    c("ACL", "LOG"),
    c("ACL", "LOG", "1"),
    c("ACL", "LOG", "-1"),
    c("ACL", "LOG", "x"),
    c("ACL", "LOG", "1", "2"),
    c("ACL", "DELUSER", "difflimited"),
    c("HELLO"),
    c("HELLO", "4"),
    c("HELLO", "x"),
    c("FOO", "bar"),
    c("GET", "key"),
    c("PUBLISH", "channel", "message"),
    c("HELLO", "3"),
    c("ACL", "LOG", "1"),
    c("SENTINEL", "MASTER", name),
    c("SENTINEL", "REPLICAS", name),
    c("SENTINEL", "get-master-addr-by-name", "nosuchmaster"),
    c("SENTINEL", "CONFIG", "GET", "*"),
    { argv: ["SENTINEL", "INFO-CACHE", name], compare: "structure" },
    c("CLIENT", "GETNAME"),
    c("INFO", "sentinel"),
    c("HELLO", "2"),
    { argv: ["SUBSCRIBE", "+switch-master", "+sdown"], replies: 2 },
    c("PSUBSCRIBE", "*"),
    c("PING"),
    c("PING", "x"),
    c("SENTINEL", "MYID"),
    c("UNSUBSCRIBE", "+sdown"),
    c("PUNSUBSCRIBE"),
    c("UNSUBSCRIBE"),
    c("UNSUBSCRIBE"),
    c("PING"),
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
