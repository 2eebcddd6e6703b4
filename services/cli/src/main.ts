// The `sentinel-plane` command line. Exit codes: 0 ok, 1 the API refused (its problem+json code
// and detail are printed), 2 usage or local state, 3 no agent reachable, 4 a --wait ran out,
// 5 a local cluster could not start.
// Each command's code is imported when that command runs (`--help` loads commander only): the
// start-up of every command pays for its own modules, not for `up`'s or the clients'.
import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Context, GlobalOptions } from "./commands/context.js";
import { SETTABLE } from "./commands/settable.js";
import { CliError, EXIT, describeError } from "./errors.js";
import { DEFAULT_DIR } from "./state/layout.js";

function int(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max)
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    return value;
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The package's version (services/cli/package.json), for `--version`. */
function version(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === "object" &&
    parsed !== null &&
    "version" in parsed &&
    typeof parsed.version === "string"
    ? parsed.version
    : "unknown";
}

const program = new Command("sentinel-plane")
  .version(`sentinel-plane ${version()}`, "-V, --version", "print the version and exit")
  .description("sentinel-plane: a local cluster, and the topology, events and failover of any agent")
  .option("--dir <dir>", "the local cluster's directory (state, data, logs)", DEFAULT_DIR)
  .option(
    "--agent <url>",
    "an agent's REST API, e.g. http://10.0.0.5:8080 (repeatable; default: the local cluster's agents)",
    collect,
    [],
  )
  .option(
    "--sentinel <host:port>",
    "an agent's Sentinel port (RESP), used when REST is not available (repeatable)",
    collect,
    [],
  )
  .option(
    "--token <token>",
    "REST bearer token for changes (default: $SENTINEL_PLANE_TOKEN, or the local cluster's)",
  )
  .option(
    "--sentinel-password <password>",
    "the Sentinel port's password (AUTH) (default: $SENTINEL_PLANE_SENTINEL_PASSWORD, or the local cluster's)",
  )
  .option(
    "--cacert <file>",
    "CA certificate of agents whose REST API is https (default: $SENTINEL_PLANE_CACERT)",
  )
  .option("--json", "machine-readable output: one JSON document (or one per event)", false)
  .option("--timeout-ms <ms>", "per-request timeout", int(1, 600_000), 3000)
  // A usage error is one line and a pointer, not the whole help (subcommands inherit this).
  .showHelpAfterError("(run `sentinel-plane --help`, or `sentinel-plane <command> --help`, for usage)")
  .exitOverride();

function globals(): GlobalOptions {
  return program.opts<GlobalOptions>();
}

async function context(): Promise<Context> {
  const { makeContext } = await import("./commands/context.js");
  return makeContext(globals());
}

program
  .command("up")
  .description("start (or resume) a local cluster on loopback; Ctrl-C stops it")
  .option(
    "--port-base <port>",
    "take ports from this one up (0: ephemeral ports); default: 4222/6379/26379/8080 when free, else the next free ones",
    int(0, 65000),
  )
  .option("--master-name <name>", "the monitored master's name", "mymaster")
  .option("--quorum <n>", "agents that must agree the primary is down", int(1, 3), 2)
  .option("--down-after-ms <ms>", "Sentinel's down-after-milliseconds", int(100, 3_600_000), 1000)
  .option("--failover-timeout-ms <ms>", "Sentinel's failover-timeout", int(1000, 3_600_000), 10_000)
  .option("--ready-timeout-ms <ms>", "how long to wait for a writable primary", int(1000, 3_600_000), 90_000)
  .option("--watch-period-ms <ms>", "how often the topology summary is refreshed", int(200, 60_000), 2000)
  .option("--no-install", "never run apt-get for missing programs")
  .option("--no-watch", "no live topology summary")
  .option(
    "--tls",
    "TLS on every link (Sentinel port, REST, NATS, Redis) with a throwaway CA made by openssl in <dir>/tls; kept when the cluster resumes",
    false,
  )
  .action(
    async (o: {
      portBase?: number;
      masterName: string;
      quorum: number;
      downAfterMs: number;
      failoverTimeoutMs: number;
      readyTimeoutMs: number;
      watchPeriodMs: number;
      install: boolean;
      watch: boolean;
      tls: boolean;
    }) => {
      const { up } = await import("./up/up.js");
      const { repoRoot } = await import("./up/components.js");
      repoRoot(); // outside a checkout: refuse before any process starts
      process.exitCode = await up({
        dir: globals().dir,
        port_base: o.portBase ?? null,
        master_name: o.masterName,
        quorum: o.quorum,
        down_after_ms: o.downAfterMs,
        failover_timeout_ms: o.failoverTimeoutMs,
        install: o.install,
        watch: o.watch,
        watch_period_ms: o.watchPeriodMs,
        ready_timeout_ms: o.readyTimeoutMs,
        tls: o.tls,
      });
    },
  );

program
  .command("status")
  .description("topology: masters, replicas with lag, epoch, and every agent's view of the primary")
  .option("--master <name>", "only this master (an unknown name is an error)")
  .option("--watch", "read again every --interval-ms and redraw in place until Ctrl-C")
  .option("--interval-ms <ms>", "how often --watch reads", int(100, 3_600_000), 1000)
  .action(async (o: { master?: string; watch?: boolean; intervalMs: number }) => {
    const { status } = await import("./commands/status.js");
    await status(await context(), {
      ...(o.master === undefined ? {} : { master: o.master }),
      watch: o.watch === true,
      interval_ms: o.intervalMs,
    });
  });

program
  .command("history")
  .description("failover history (durable, survives restarts): epoch, from, to, outcome, duration")
  .option("--master <name>", "only this master's failovers")
  .option("--limit <n>", "at most this many (newest first)", int(1, 500), 20)
  .option(
    "--before <seq>",
    "older records only: the cursor the previous page printed",
    int(1, Number.MAX_SAFE_INTEGER),
  )
  .option("--live", "the failovers the agent saw since it started, running ones included")
  .option("--events", "each failover's timeline: its events and when they came")
  .action(
    async (o: { master?: string; limit: number; before?: number; live?: boolean; events?: boolean }) => {
      const { history } = await import("./commands/history.js");
      await history(await context(), {
        ...(o.master === undefined ? {} : { master: o.master }),
        ...(o.before === undefined ? {} : { before: o.before }),
        limit: o.limit,
        live: o.live === true,
        events: o.events === true,
      });
    },
  );

program
  .command("audit")
  .description(
    "who changed what, through REST or the Sentinel port, and the outcome (needs an operate token)",
  )
  .option("--limit <n>", "at most this many (newest first)", int(1, 500), 20)
  .option(
    "--before <seq>",
    "older records only: the cursor the previous page printed",
    int(1, Number.MAX_SAFE_INTEGER),
  )
  .action(async (o: { limit: number; before?: number }) => {
    const { audit } = await import("./commands/audit.js");
    await audit(await context(), { limit: o.limit, ...(o.before === undefined ? {} : { before: o.before }) });
  });

program
  .command("events")
  .description("follow the event stream (+sdown, +odown, +switch-master ...)")
  .option("--master <name>", "only this master's events")
  .option("--type <name>", "only events of this name, e.g. +switch-master")
  .option("--count <n>", "exit after this many events", int(1, 1_000_000))
  .action(async (o: { master?: string; type?: string; count?: number }) => {
    const { events } = await import("./commands/events.js");
    await events(await context(), {
      ...(o.master === undefined ? {} : { master: o.master }),
      ...(o.type === undefined ? {} : { type: o.type }),
      ...(o.count === undefined ? {} : { count: o.count }),
    });
  });

const waitOption = (): Option => new Option("--wait", "return once an agent reports the new primary");
const waitMsOption = (): Option =>
  new Option("--wait-ms <ms>", "how long --wait waits").argParser(int(1, 3_600_000)).default(30_000);

program
  .command("failover <name>")
  .description("force a failover now (SENTINEL FAILOVER), without agreement from the other agents")
  .option(
    "--force",
    "promote even a replica beyond max-promotion-lag (REST only; its missing writes are lost)",
  )
  .addOption(waitOption())
  .addOption(waitMsOption())
  .action(async (name: string, o: { force?: boolean; wait?: boolean; waitMs: number }) => {
    const { failover } = await import("./commands/failover.js");
    const wait = { wait: o.wait === true, wait_ms: o.waitMs };
    await failover(await context(), name, wait, o.force === true);
  });

program
  .command("switchover <name>")
  .description("coordinated switchover: fence, let the replica catch up, promote (nothing lost)")
  .option("--to <host:port>", "the replica to promote (default: the agents' choice)")
  .addOption(waitOption())
  .addOption(waitMsOption())
  .action(async (name: string, o: { to?: string; wait?: boolean; waitMs: number }) => {
    const { switchover } = await import("./commands/failover.js");
    await switchover(await context(), name, o.to, { wait: o.wait === true, wait_ms: o.waitMs });
  });

program
  .command("reinit <name> <host:port>")
  .description("drop a replica's data and resync it in full from the primary (refused on the primary)")
  .action(async (name: string, address: string) => {
    const { reinit } = await import("./commands/node-ops.js");
    await reinit(await context(), name, address);
  });

program
  .command("reset-restarts <name> <host:port>")
  .description("reset a node's restart back-off and crash-loop count (a node in crash loop restarts)")
  .action(async (name: string, address: string) => {
    const { resetRestarts } = await import("./commands/node-ops.js");
    await resetRestarts(await context(), name, address);
  });

program
  .command("shutdown <name> <host:port>")
  .description("planned stop of a node's data-node and redis-server (a primary switches over first)")
  .action(async (name: string, address: string) => {
    const { shutdown } = await import("./commands/node-ops.js");
    await shutdown(await context(), name, address);
  });

program
  .command("pause [name]")
  .description(
    "maintenance mode: no automatic failover of the master (or --all) until the expiry; manual failovers still work",
  )
  .requiredOption("--for <duration>", "how long (required, at most 7d): e.g. 90s, 30m, 2h, 1d")
  .option("--all", "every master monitored now")
  .action(async (name: string | undefined, o: { for: string; all?: boolean }) => {
    const { pause, targetOf } = await import("./commands/maintenance.js");
    await pause(await context(), targetOf(name, o.all === true), o.for);
  });

program
  .command("resume [name]")
  .description("end the maintenance mode of the master (or --all) before its expiry")
  .option("--all", "every master")
  .action(async (name: string | undefined, o: { all?: boolean }) => {
    const { resume, targetOf } = await import("./commands/maintenance.js");
    await resume(await context(), targetOf(name, o.all === true));
  });

program
  .command("ack <name>")
  .description(
    "acknowledge the master's last automatic failover: lifts its anti-flapping block (failover-block-period)",
  )
  .action(async (name: string) => {
    const { ack } = await import("./commands/maintenance.js");
    await ack(await context(), name);
  });

program
  .command("monitor <name> <host> <port> <quorum>")
  .description("start monitoring a master")
  .option("--down-after-ms <ms>", "down-after-milliseconds")
  .option("--failover-timeout-ms <ms>", "failover-timeout")
  .option("--parallel-syncs <n>", "parallel-syncs")
  .action(
    async (
      name: string,
      host: string,
      port: string,
      quorum: string,
      o: { downAfterMs?: string; failoverTimeoutMs?: string; parallelSyncs?: string },
    ) => {
      const { monitor } = await import("./commands/configure.js");
      await monitor(await context(), name, host, port, quorum, o);
    },
  );

program
  .command("remove <name>")
  .description("stop monitoring a master")
  .action(async (name: string) => {
    const { remove } = await import("./commands/configure.js");
    await remove(await context(), name);
  });

program
  .command("reset <name>")
  .description("forget a master's replicas and agents and rediscover them (SENTINEL RESET)")
  .action(async (name: string) => {
    const { reset } = await import("./commands/configure.js");
    await reset(await context(), name);
  });

program
  .command("set <name> <option> <value>")
  .description(`change a master's setting: ${SETTABLE.map((s) => s.sentinel).join(", ")}`)
  .action(async (name: string, option: string, value: string) => {
    const { set } = await import("./commands/configure.js");
    await set(await context(), name, option, value);
  });

function fail(error: unknown): number {
  if (error instanceof CliError) {
    if (program.opts<GlobalOptions>().json) {
      process.stdout.write(`${JSON.stringify({ error: { code: error.code, detail: error.detail } })}\n`);
    }
    process.stderr.write(`error: ${error.code}: ${error.detail}\n`);
    return error.exit_code;
  }
  process.stderr.write(`error: ${describeError(error)}\n`);
  return EXIT.start_failed;
}

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    // commander's own exits (help, version, a usage error it already printed)
    if (typeof error === "object" && error !== null && "exitCode" in error && "code" in error) {
      const code = error.code;
      return code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version"
        ? EXIT.ok
        : EXIT.usage;
    }
    return fail(error);
  }
}

// process.exit: open sockets (an event subscription) must not keep a finished command alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(fail(error)),
);
