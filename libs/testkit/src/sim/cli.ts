// `npm run sim -- --seed <n> [--verbose]` replays one seed; `--seeds N [--from S]` runs a range and
// reports seeds/second and every violation with its seed. Exit code 1 on any violation.
// `--no-data-node-crashes` leaves the fault that kills data-nodes out (as `npm test` does).
// `--bus-fault <everyone|one-data-node|minority-agents|none>` forces that bus (NATS) fault on every
// seed (default: drawn, in about 30 % of the seeds); `--no-failsafe` turns the data-nodes' direct
// lease requests off (to compare refused writes). `--watchdog off` runs the data-nodes without
// their Redis watchdog (core data-node watchdog.ts): a primary whose data-node died then stays
// writable past its lease, which the checkers report (the hole the watchdog closes).
import { BUS_FAULTS, runSeed } from "./run.js";
import type { BusFault, RunResult } from "./run.js";

interface CliArgs {
  from: number;
  count: number;
  verbose: boolean;
  data_node_crashes: boolean;
  bus_fault: BusFault | "drawn" | "none";
  failsafe: boolean;
  watchdog: boolean;
}

function busFaultOf(text: string | undefined): BusFault | "none" {
  const shape = [...BUS_FAULTS, "none" as const].find((s) => s === text);
  if (shape === undefined) throw new Error(`--bus-fault needs one of ${BUS_FAULTS.join(", ")}, none`);
  return shape;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    from: 0,
    count: 1,
    verbose: false,
    data_node_crashes: true,
    bus_fault: "drawn",
    failsafe: true,
    watchdog: true,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = (): number => {
      const text = argv[i + 1];
      i += 1;
      const n = Number(text);
      if (text === undefined || !Number.isInteger(n) || n < 0 || n > 0xffffffff) {
        throw new Error(`${flag ?? "?"} needs a u32 value`);
      }
      return n;
    };
    if (flag === "--seed") {
      args.from = value();
      args.count = 1;
    } else if (flag === "--seeds") args.count = value();
    else if (flag === "--from") args.from = value();
    else if (flag === "--verbose") args.verbose = true;
    else if (flag === "--no-data-node-crashes") args.data_node_crashes = false;
    else if (flag === "--bus-fault") {
      args.bus_fault = busFaultOf(argv[i + 1]);
      i += 1;
    } else if (flag === "--no-failsafe") args.failsafe = false;
    else if (flag === "--watchdog") {
      const text = argv[i + 1];
      if (text !== "on" && text !== "off") throw new Error("--watchdog needs on or off");
      args.watchdog = text === "on";
      i += 1;
    } else {
      throw new Error(
        `unknown option ${flag ?? ""} (use --seed N | --seeds N [--from S] [--verbose] ` +
          `[--no-data-node-crashes] [--bus-fault <shape|none>] [--no-failsafe] [--watchdog on|off])`,
      );
    }
  }
  return args;
}

/** The figures summed over the seeds run, for the summary line. */
interface Totals {
  violations: number;
  steps: number;
  sim_ms: number;
  elections: number;
  switchovers: number;
  hooks_run: number;
  hooks_failed: number;
  settled_max_ms: number;
  writes_acked: number;
  writes_refused: number;
  lease_fences: { quiet: number; faults: number; healed: number };
  lease_requests: { sent: number; direct_quiet: number; direct_bus_up: number; direct_bus_down: number };
}

function emptyTotals(): Totals {
  return {
    violations: 0,
    steps: 0,
    sim_ms: 0,
    elections: 0,
    switchovers: 0,
    hooks_run: 0,
    hooks_failed: 0,
    settled_max_ms: 0,
    writes_acked: 0,
    writes_refused: 0,
    lease_fences: { quiet: 0, faults: 0, healed: 0 },
    lease_requests: { sent: 0, direct_quiet: 0, direct_bus_up: 0, direct_bus_down: 0 },
  };
}

function addSeedToTotals(totals: Totals, result: RunResult): void {
  totals.writes_acked += result.writes_acked;
  totals.writes_refused += result.writes_refused;
  totals.lease_fences.quiet += result.lease_fences.quiet;
  totals.lease_fences.faults += result.lease_fences.faults;
  totals.lease_fences.healed += result.lease_fences.healed;
  totals.lease_requests.sent += result.lease_requests.sent;
  totals.lease_requests.direct_quiet += result.lease_requests.direct_quiet;
  totals.lease_requests.direct_bus_up += result.lease_requests.direct_bus_up;
  totals.lease_requests.direct_bus_down += result.lease_requests.direct_bus_down;
  totals.steps += result.steps;
  totals.sim_ms += result.sim_ms;
  totals.elections += result.elections;
  totals.switchovers += result.switchovers;
  totals.hooks_run += result.hooks_run;
  totals.hooks_failed += result.hooks_failed;
  totals.settled_max_ms = Math.max(totals.settled_max_ms, result.settled_ms ?? 0);
  if (result.violation !== null) totals.violations += 1;
}

function summaryLine(args: CliArgs, totals: Totals, seconds: number): string {
  const { lease_fences, lease_requests } = totals;
  return (
    `sim: ${args.count} seeds from ${args.from} in ${seconds.toFixed(1)} s ` +
    `(${(args.count / seconds).toFixed(1)} seeds/s, ${(totals.steps / seconds / 1000).toFixed(0)}k steps/s, ` +
    `${(totals.sim_ms / 1000 / args.count).toFixed(1)} simulated s/seed, ${totals.elections} elections, ` +
    `${totals.switchovers} switchovers, ${totals.hooks_run} pre-promote hooks, ${totals.hooks_failed} failed, ` +
    `settled at most ${totals.settled_max_ms} ms after healing, ` +
    `writes acked ${totals.writes_acked} refused ${totals.writes_refused}, lease self-fences ${lease_fences.quiet} ` +
    `before faults / ${lease_fences.faults} during / ${lease_fences.healed} after heal, ` +
    `lease requests ${lease_requests.sent} of which direct ${lease_requests.direct_quiet} with the bus ` +
    `up before faults / ${lease_requests.direct_bus_up} up later / ${lease_requests.direct_bus_down} ` +
    `bus down): ` +
    `${totals.violations} violation(s)`
  );
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const totals = emptyTotals();
  let last_progress = started;
  for (let i = 0; i < args.count; i += 1) {
    const seed = (args.from + i) >>> 0;
    const result = await runSeed({
      seed,
      keep_log: args.verbose,
      data_node_crashes: args.data_node_crashes,
      bus_fault: args.bus_fault,
      failsafe: args.failsafe,
      watchdog: args.watchdog,
    });
    addSeedToTotals(totals, result);
    if (args.verbose) for (const line of result.log) console.log(line);
    if (result.violation !== null) console.log(`VIOLATION ${result.violation.message}`);
    const now = performance.now();
    if (args.count > 1 && now - last_progress > 10_000) {
      last_progress = now;
      console.log(
        `... ${i + 1}/${args.count} seeds, ${((i + 1) / ((now - started) / 1000)).toFixed(0)} seeds/s`,
      );
    }
  }
  console.log(summaryLine(args, totals, (performance.now() - started) / 1000));
  return totals.violations === 0 ? 0 : 1;
}

process.exitCode = await main();
