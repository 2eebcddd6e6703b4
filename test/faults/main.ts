// The fault matrix (issue 13, item 5): every shape of shapes.ts, N runs each, on a fresh
// namespace cluster per run; prints one line per run and writes bench/results/faults-<time>.json
// and .md (machine, command, per-shape medians with min-max). Needs root (namespaces, iptables).
//
//   npm run faults -- [--runs 3] [--shapes kill-primary,partition-peers-cut] [--subnet 10.86.0]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { writeResults } from "../../bench/lib/index.js";
import type { RunResult } from "./harness.js";
import { DEFAULT_SETTINGS, runShape, teardownLive } from "./harness.js";
import { judge, runLine, summarizeShape, summaryTable, vipTable } from "./report.js";
import { SHAPES, shapeNamed } from "./shapes.js";
import type { FaultShape } from "./shapes.js";

const USAGE = `usage: npm run faults -- [--runs N] [--shapes a,b] [--subnet 10.x.y]
  --runs N      runs of each shape, 1..100 (default 3)
  --shapes a,b  shapes to run (default: all): ${SHAPES.map((s) => s.name).join(", ")}
  --subnet      the lab's 10.x.y (default 10.86.0)
Needs root (network namespaces, iptables). Results: bench/results/faults-<time>.md and .json.`;

/** A bad command line: the message and the usage on stderr, exit 2 (no stack trace). */
function refuse(message: string): never {
  process.stderr.write(`faults: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseCommandLine(): { rounds: number; shapes: FaultShape[]; subnet: string } {
  let values: { runs: string; shapes: string; subnet: string; help: boolean };
  try {
    values = parseArgs({
      options: {
        runs: { type: "string", default: "3" },
        shapes: { type: "string", default: SHAPES.map((s) => s.name).join(",") },
        subnet: { type: "string", default: "10.86.0" },
        help: { type: "boolean", default: false },
      },
    }).values;
  } catch (error) {
    refuse(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const rounds = Number(values.runs);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) refuse(`--runs: 1..100, got ${values.runs}`);
  const names = values.shapes.split(",").map((s) => s.trim());
  const unknown = names.filter((name) => !SHAPES.some((s) => s.name === name));
  if (unknown.length > 0) refuse(`unknown shape(s): ${unknown.join(", ")}`);
  if (!/^10\.\d{1,3}\.\d{1,3}$/.test(values.subnet)) refuse(`--subnet: 10.x.y, got ${values.subnet}`);
  return { rounds, shapes: names.map((name) => shapeNamed(name)), subnet: values.subnet };
}

const { rounds, shapes, subnet } = parseCommandLine();
const command = ["npm run faults --", ...process.argv.slice(2)].join(" ");
if (process.getuid?.() !== 0) throw new Error("the fault suite needs root (network namespaces, iptables)");

// Interrupted: tear the running cluster down (processes by PID, then namespaces) and leave.
const interrupt = (): void => {
  process.stderr.write("faults: interrupted, tearing down\n");
  void teardownLive().finally(() => process.exit(130));
};
process.once("SIGINT", interrupt);
process.once("SIGTERM", interrupt);

const settings = DEFAULT_SETTINGS;
// The 1-minute load average when each run starts: the machine is shared, and times stretch with it.
const records: {
  shape: string;
  round: number;
  load_1m: number;
  result: RunResult | null;
  violations: string[];
}[] = [];
for (const shape of shapes) {
  for (let round = 1; round <= rounds; round++) {
    const load_1m = loadavg()[0] ?? 0;
    try {
      const result = await runShape(shape, subnet, settings);
      const violations = judge(shape, result.verdict, settings);
      records.push({ shape: shape.name, round, load_1m, result, violations });
      console.log(`#${round}/${rounds} (load ${load_1m.toFixed(1)}) ${runLine(shape, result, violations)}`);
      for (const note of result.notes) console.log(`    ${note}`);
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
      records.push({
        shape: shape.name,
        round,
        load_1m,
        result: null,
        violations: [`run failed: ${reason}`],
      });
      console.log(`#${round}/${rounds} [${shape.name}] RUN FAILED: ${reason}`);
    }
  }
}

const summaries = shapes.map((shape) =>
  summarizeShape(
    shape,
    records.flatMap((r) =>
      r.shape === shape.name && r.result !== null ? [{ result: r.result, violations: r.violations }] : [],
    ),
  ),
);
const failed = records.filter((r) => r.result === null || r.violations.length > 0);
const markdown = [
  "Fault suite (test/faults): 3 data hosts (redis-server under a data-node, sentinel-agent), nats-server on its own " +
    "host, clients on a fifth, each a network namespace. Writers: one per data host over loopback (an application on " +
    "that host) and one client that finds the primary through the agents, each SET every " +
    `${settings.write_interval_ms} ms; every node sampled (INFO replication, CONFIG GET min-replicas-to-write) every ` +
    `${settings.sample_interval_ms} ms. down-after ${settings.down_after_ms} ms, failover-timeout ${settings.failover_timeout_ms} ms. ` +
    "Times in ms after the fault; cells are median (min-max) over the runs. Writable = role master and not fenced. " +
    "Old-primary acks after promotion = writes *sent* after another node was promoted (became writable from " +
    "replica), acknowledged by a node promoted earlier. Lost = acknowledged keys absent from the final primary.",
  "",
  summaryTable(summaries),
  ...(vipTable(summaries) === ""
    ? []
    : [
        "Shapes with a VIP (a vip-manager per data host: lease " +
          `${settings.vip_manager.lease_ms} ms, reconcile every ${settings.vip_manager.reconcile_interval_ms} ms): ` +
          `every host's interface sampled every ${settings.sample_interval_ms} ms. A host holds the VIP from a sample ` +
          "that saw it to the last consecutive one that did (two holders counted are certain). VIP on the new " +
          "primary's host = when the final primary's host got it to keep it; alone = when it became the only holder.",
        "",
        vipTable(summaries),
      ]),
  "### Shapes",
  "",
  ...shapes.map((s) => `- ${s.name} (${s.expect}${s.issue === null ? "" : `: ${s.issue}`}): ${s.what}`),
  "",
  ...(failed.length > 0
    ? [
        "### Runs with violations or failures",
        "",
        ...failed.map((r) => `- ${r.shape} #${r.round}: ${r.violations.join("; ")}`),
        "",
      ]
    : []),
].join("\n");
const files = writeResults("faults", command, { settings, records, summaries }, markdown);
console.log(`\n${markdown}\nresults: ${files.md_path}`);
