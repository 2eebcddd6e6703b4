// `SENTINEL <subcommand>`: argument checks and reply shapes as sentinel.c sentinelCommand, over
// the SentinelView. Dispatch (dispatch.ts) has already checked the subcommand exists and its
// arity; here are the per-subcommand rules and error texts.
import { masterNameProblem } from "@sentinel-plane/protocol";
import { globMatch } from "@sentinel-plane/core";
import { masterReply, replicaReply, sentinelPeerReply } from "./instance-reply.js";
import { parseStrictInteger } from "./request-parser.js";
import type { Reply } from "./reply.js";
import { array, bulk, bulkArray, bulkNumber, error, errorErr, integer, map, OK, simple } from "./reply.js";
import type { AdminResult, MasterSetOption, SentinelView, SimulatedFailure } from "./view.js";

const NO_SUCH_MASTER = errorErr("No such master with that name");
const NOT_AN_INTEGER = errorErr("value is not an integer or out of range");

const HELP_LINES = [
  "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ACK-FAILOVER <master-name>",
  "    (sentinel-plane) Acknowledge the last automatic failover: lifts its failover-block-period.",
  "CKQUORUM <master-name>",
  "    Check if the current Sentinel configuration is able to reach the quorum",
  "    needed to failover a master and the majority needed to authorize the",
  "    failover.",
  "CONFIG SET <param> <value>",
  "    Set a global Sentinel configuration parameter.",
  "CONFIG GET <param>",
  "    Get global Sentinel configuration parameter.",
  "DEBUG [<param> <value> ...]",
  "    Show a list of configurable time parameters and their values (milliseconds).",
  "    Or update current configurable parameters values (one or more).",
  "GET-MASTER-ADDR-BY-NAME <master-name>",
  "    Return the ip and port number of the master with that name.",
  "FAILOVER <master-name>",
  "    Manually failover a master node without asking for agreement from other",
  "    Sentinels",
  "FLUSHCONFIG",
  "    Force Sentinel to rewrite its configuration on disk, including the current",
  "    Sentinel state.",
  "INFO-CACHE <master-name>",
  "    Return last cached INFO output from masters and all its replicas.",
  "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
  "    Check if the master specified by ip:port is down from current Sentinel's",
  "    point of view.",
  "MASTER <master-name>",
  "    Show the state and info of the specified master.",
  "MASTERS",
  "    Show a list of monitored masters and their state.",
  "MONITOR <name> <ip> <port> <quorum>",
  "    Start monitoring a new master with the specified name, ip, port and quorum.",
  "MYID",
  "    Return the ID of the Sentinel instance.",
  "PAUSE <master-name|*> <milliseconds>",
  "    (sentinel-plane) No automatic failover of the master until the pause expires.",
  "PENDING-SCRIPTS",
  "    Get pending scripts information.",
  "REMOVE <master-name>",
  "    Remove master from Sentinel's monitor list.",
  "REPLICAS <master-name>",
  "    Show a list of replicas for this master and their state.",
  "RESET <pattern>",
  "    Reset masters for specific master name matching this pattern.",
  "RESUME <master-name|*>",
  "    (sentinel-plane) End a pause of automatic failovers before it expires.",
  "SENTINELS <master-name>",
  "    Show a list of Sentinel instances for this master and their state.",
  "SET <master-name> <option> <value> [<option> <value> ...]",
  "    Set configuration parameters for certain masters.",
  "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
  "    Simulate a Sentinel crash.",
  "HELP",
  "    Prints this help.",
];

function adminReply(result: AdminResult): Reply {
  return result.ok ? OK : error(result.error);
}

/**
 * Sentinel rewrites its file after every MONITOR, SET and REMOVE and answers an error when it
 * cannot (sentinelFlushConfigAndReply): tools read the file, and Redis's tests check the error.
 */
async function savedReply(view: SentinelView, result: AdminResult): Promise<Reply> {
  if (!result.ok) return adminReply(result);
  const saved = await view.flushconfig();
  return saved.ok ? OK : errorErr("Failed to save config file. Check server logs.");
}

function ckquorum(view: SentinelView, name: string): Reply {
  const check = view.ckquorum(name);
  if (check === undefined) return NO_SUCH_MASTER;
  if (check.quorum_reachable && check.majority_reachable) {
    return simple(`OK ${check.usable} usable Sentinels. Quorum and failover authorization can be reached`);
  }
  const reasons: string[] = [];
  if (!check.quorum_reachable)
    reasons.push("Not enough available Sentinels to reach the specified quorum for this master");
  if (!check.majority_reachable)
    reasons.push("Not enough available Sentinels to reach the majority and authorize a failover");
  return error(`NOQUORUM ${check.usable} usable Sentinels. ${reasons.join(". ")}`);
}

type NumericOption = Extract<MasterSetOption, { readonly value: number }>["option"];
type StringOption = Extract<MasterSetOption, { readonly value: string }>["option"];

/** Typed by the core's option names, so a misspelt one does not compile. */
const NUMERIC_OPTIONS: readonly { readonly option: NumericOption; readonly min: number }[] = [
  { option: "down-after-milliseconds", min: 1 },
  { option: "failover-timeout", min: 1 },
  { option: "parallel-syncs", min: 1 },
  { option: "quorum", min: 1 },
  { option: "master-reboot-down-after-period", min: 0 },
  // Ours (libs/core promotion-limit.ts): 0 turns them off.
  { option: "max-promotion-lag-bytes", min: 0 },
  { option: "max-promotion-lag-ms", min: 0 },
  { option: "failover-block-period", min: 0 },
  { option: "forget-after", min: 0 },
];
const STRING_OPTIONS: readonly StringOption[] = [
  "notification-script",
  "client-reconfig-script",
  "auth-pass",
  "auth-user",
];

/** Parses `SENTINEL SET <name> <option> <value> ...` options (argv from index 3). */
export function parseSetOptions(args: readonly string[]): MasterSetOption[] | Reply {
  const options: MasterSetOption[] = [];
  const invalid = (value: string, option: string): Reply =>
    errorErr(`Invalid argument '${value}' for SENTINEL SET '${option}'`);
  for (let j = 0; j < args.length; j++) {
    const option = args[j] ?? "";
    const lowered = option.toLowerCase();
    const moreargs = args.length - 1 - j;
    const numeric = NUMERIC_OPTIONS.find((known) => known.option === lowered);
    const text_option = STRING_OPTIONS.find((known) => known === lowered);
    if (numeric !== undefined && moreargs > 0) {
      const raw = args[++j] ?? "";
      const value = parseStrictInteger(raw);
      if (value === null || value < numeric.min) return invalid(raw, option);
      options.push({ option: numeric.option, value });
    } else if (text_option !== undefined && moreargs > 0) {
      options.push({ option: text_option, value: args[++j] ?? "" });
    } else if (lowered === "rename-command" && moreargs > 1) {
      const from = args[++j] ?? "";
      const to = args[++j] ?? "";
      if (from.length === 0 || to.length === 0) return invalid(to.length > 0 ? from : to, option);
      options.push({ option: "rename-command", from, to });
    } else {
      return errorErr(`Unknown option or number of arguments for SENTINEL SET '${option}'`);
    }
  }
  return options;
}

async function monitor(view: SentinelView, argv: readonly string[]): Promise<Reply> {
  const [, , name = "", ip = "", rawPort = "", rawQuorum = ""] = argv;
  const quorum = parseStrictInteger(rawQuorum);
  if (quorum === null) return errorErr("Invalid quorum");
  const port = parseStrictInteger(rawPort);
  if (port === null) return errorErr("Invalid port");
  if (quorum <= 0) return errorErr("Quorum must be 1 or greater.");
  if (port < 0 || port > 65535) return errorErr("Invalid port number");
  // The same name rule as the config file and the REST API (libs/protocol names.ts).
  const problem = masterNameProblem(name);
  if (problem !== null) return errorErr(`Invalid master name: ${problem}`);
  return savedReply(view, await view.monitor(name, ip, port, quorum));
}

async function isMasterDownByAddr(view: SentinelView, argv: readonly string[]): Promise<Reply> {
  const [, , ip = "", rawPort = "", rawEpoch = "", runid = ""] = argv;
  const port = parseStrictInteger(rawPort);
  const epoch = parseStrictInteger(rawEpoch);
  if (port === null || epoch === null) return NOT_AN_INTEGER;
  const answer = await view.isMasterDownByAddr(ip, port, epoch, runid);
  return array([integer(answer.down ? 1 : 0), bulk(answer.leader), integer(answer.leader_epoch)]);
}

async function config(view: SentinelView, argv: readonly string[]): Promise<Reply> {
  const action = (argv[2] ?? "").toLowerCase();
  if (action === "set" && argv.length === 5) {
    return adminReply(await view.configSet(argv[3] ?? "", argv[4] ?? ""));
  }
  if (action === "get" && argv.length === 4) {
    const pattern = argv[3] ?? "";
    return map(
      view
        .configGet()
        .filter(([name]) => globMatch(pattern, name, true))
        .map(([name, value]) => [name, bulk(value)] as const),
    );
  }
  return errorErr("Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
}

async function simulateFailure(view: SentinelView, args: readonly string[]): Promise<Reply> {
  const failures: SimulatedFailure[] = [];
  for (const arg of args) {
    const lowered = arg.toLowerCase();
    if (lowered === "crash-after-election" || lowered === "crash-after-promotion") {
      failures.push(lowered);
    } else if (lowered === "help") {
      return bulkArray(["crash-after-election", "crash-after-promotion"]);
    } else {
      return errorErr("Unknown failure simulation specified");
    }
  }
  return adminReply(await view.simulateFailure(failures));
}

function infoCache(view: SentinelView, names: readonly string[]): Reply {
  const items: Reply[] = [];
  for (const master of view.infoCache(names)) {
    items.push(bulk(master.name));
    items.push(
      array(
        master.entries.map((entry) =>
          array([integer(entry.info_age_ms), entry.info === null ? { type: "null" } : bulk(entry.info)]),
        ),
      ),
    );
  }
  return array(items);
}

function pendingScripts(view: SentinelView): Reply {
  return array(
    view
      .pendingScripts()
      .map((job) =>
        map([
          ["argv", bulkArray(job.argv)],
          ["flags", bulk(job.running ? "running" : "scheduled")],
          ["pid", bulkNumber(job.pid)],
          job.running
            ? ["run-time", bulkNumber(job.run_time_ms)]
            : ["run-delay", bulkNumber(Math.max(0, job.run_delay_ms))],
          ["retry-num", bulkNumber(job.retry_num)],
        ]),
      ),
  );
}

/** `sub` is the lowercase subcommand, already known to exist with a valid arity. */
export function sentinelCommand(
  view: SentinelView,
  sub: string,
  argv: readonly string[],
): Reply | Promise<Reply> {
  const name = argv[2] ?? "";
  switch (sub) {
    case "help":
      return array(HELP_LINES.map(simple));
    case "masters":
      return array(view.masters().map(masterReply));
    case "master": {
      const master = view.master(name);
      return master === undefined ? NO_SUCH_MASTER : masterReply(master);
    }
    case "replicas":
    case "slaves": {
      const replicas = view.replicas(name);
      if (replicas === undefined) return NO_SUCH_MASTER;
      return array(replicas.filter((replica) => replica.replica_announced).map(replicaReply));
    }
    case "sentinels": {
      const sentinels = view.sentinels(name);
      return sentinels === undefined ? NO_SUCH_MASTER : array(sentinels.map(sentinelPeerReply));
    }
    case "get-master-addr-by-name": {
      const address = view.masterAddress(name);
      return address === undefined
        ? { type: "null_array" }
        : array([bulk(address.ip), bulkNumber(address.port)]);
    }
    case "myid":
      return bulk(view.myid());
    case "ckquorum":
      return ckquorum(view, name);
    case "failover":
      if (view.master(name) === undefined) return NO_SUCH_MASTER;
      return view.failover(name).then(adminReply);
    case "monitor":
      return monitor(view, argv);
    case "remove":
      if (view.master(name) === undefined) return NO_SUCH_MASTER;
      return view.remove(name).then((result) => savedReply(view, result));
    case "set": {
      if (view.master(name) === undefined) return NO_SUCH_MASTER;
      const options = parseSetOptions(argv.slice(3));
      if (!Array.isArray(options)) return options;
      return view.set(name, options).then((result) => savedReply(view, result));
    }
    case "reset":
      return view.reset(name).then(integer);
    case "flushconfig":
      return view.flushconfig().then(adminReply);
    case "pending-scripts":
      return pendingScripts(view);
    case "config":
      return config(view, argv);
    case "info-cache":
      return infoCache(view, argv.slice(2));
    case "is-master-down-by-addr":
      return isMasterDownByAddr(view, argv);
    case "simulate-failure":
      return simulateFailure(view, argv.slice(2));
    default:
      throw new Error(`sentinelCommand: no handler for known subcommand '${sub}'`);
  }
}
