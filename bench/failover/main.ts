// Side-by-side failover benchmark (issue 9, part 1): the same steps against sentinel-plane
// (3 sentinel-agents, data-nodes, NATS) and Redis Sentinel (3 Debian redis-sentinel), each over
// 1 primary + 2 replicas of real redis-server. Faults: SIGKILL, SIGSTOP, a partition of the
// primary (iptables inside a private network namespace), SENTINEL FAILOVER. Runs alternate
// ours / Redis Sentinel with fresh processes each run. Prints one line per run and, per (fault,
// down-after), min / median / max of each figure and theirs / ours of the medians; writes
// bench/results/failover-<time>.json/.md. Needs root (unshare --net, iptables).
// --auth / --tls: both sides with a Sentinel-port password / TLS everywhere (security.ts).
//
//   node --import tsx bench/failover/main.ts [--faults kill,stop,partition,switchover]
//        [--down-after 1000,5000] [--runs 3] [--impl both|ours|sentinel] [--auth] [--tls]
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { makeThrowawayCerts, readTlsMaterial } from "@sentinel-plane/runtime";
import type { Harness } from "@sentinel-plane/testkit";
import { writeResults } from "../lib/index.js";
import { implementation, implementation as impl_of } from "./implementations.js";
import { enterPrivateNetns, preparePartitionChain, removePartitionChain } from "./netns.js";
import { groupMarkdown, medianTimeline, runLine, summarizeGroup } from "./report.js";
import { oneRun } from "./run.js";
import { modeLabel, setSecurityMode } from "./security.js";
import type { SecurityMode } from "./security.js";
import { FAULTS, IMPLEMENTATIONS } from "./types.js";
import type { FaultKind, ImplName, RunRecord } from "./types.js";
import { WRITER_SETTINGS } from "./writers.js";

const { values } = parseArgs({
  options: {
    faults: { type: "string", default: FAULTS.join(",") },
    "down-after": { type: "string", default: "1000,5000" },
    runs: { type: "string", default: "3" },
    impl: { type: "string", default: "both" },
    auth: { type: "boolean", default: false },
    tls: { type: "boolean", default: false },
  },
});

function listOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(",").map((s) => s.trim());
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item))
      throw new Error(`--${flag}: ${item} is not one of ${allowed.join(", ")}`);
  }
  return items as T[];
}

const faults = listOf("faults", values.faults, FAULTS);
const impls: ImplName[] =
  values.impl === "both" ? [...IMPLEMENTATIONS] : listOf("impl", values.impl, IMPLEMENTATIONS);
const down_afters = values["down-after"].split(",").map(Number);
if (!down_afters.every((x) => Number.isInteger(x) && x >= 100 && x <= 60_000))
  throw new Error("--down-after: 100..60000");
const rounds = Number(values.runs);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new Error("--runs: 1..100");
const command = ["node --import tsx bench/failover/main.ts", ...process.argv.slice(2)].join(" ");

const exit_code = await enterPrivateNetns();
if (exit_code !== null) process.exit(exit_code);

// From here on: inside the private network namespace.
const certs_dir = values.tls ? mkdtempSync(join(tmpdir(), "bench-failover-tls-")) : null;
/** The run's security mode; the throwaway certificates live in certs_dir until the end. */
async function chooseMode(): Promise<SecurityMode> {
  const password = values.auth ? randomBytes(16).toString("hex") : null;
  if (certs_dir === null) return { password, tls: null };
  const certs = await makeThrowawayCerts(certs_dir);
  const files = { ca_file: certs.ca_file, cert_file: certs.cert_file, key_file: certs.key_file };
  const material = readTlsMaterial(files);
  if (!material.ok) throw new Error(`--tls: ${material.error.message}`);
  return { password, tls: { files, material: material.value } };
}
const mode = await chooseMode();
setSecurityMode(mode);
process.on("exit", () => {
  if (certs_dir !== null) rmSync(certs_dir, { recursive: true, force: true });
});
preparePartitionChain();
const controller = new AbortController();
let current: Harness | null = null;
/** Set by SIGINT / SIGTERM: the run in progress is torn down (so it fails at once) and no other starts. */
const interrupted: { teardown: Promise<void> | null } = { teardown: null };
/** If the run in progress does not come back after its teardown, exit anyway. */
const INTERRUPT_GRACE_MS = 30_000;
const interrupt = (): void => {
  if (interrupted.teardown !== null) return;
  process.stderr.write("interrupted: tearing down the run in progress\n");
  controller.abort();
  interrupted.teardown = current?.teardown() ?? Promise.resolve();
  setTimeout(() => {
    removePartitionChain();
    process.exit(130);
  }, INTERRUPT_GRACE_MS).unref();
};
process.on("SIGINT", interrupt);
process.on("SIGTERM", interrupt);

const runs: RunRecord[] = [];
matrix: for (const down_after_ms of down_afters) {
  for (const fault of faults) {
    for (let round = 1; round <= rounds; round++) {
      for (const name of impls) {
        if (interrupted.teardown !== null) break matrix;
        const record = await oneRun({
          impl: implementation(name),
          fault,
          down_after_ms,
          round,
          signal: controller.signal,
          onHarness: (procs) => {
            current = procs;
          },
        });
        runs.push(record);
        console.log(runLine(record, rounds));
      }
    }
  }
}
if (interrupted.teardown !== null) {
  await interrupted.teardown;
  removePartitionChain();
  process.exit(130);
}
removePartitionChain();

const groups = down_afters.flatMap((d) => faults.map((f: FaultKind) => summarizeGroup(runs, f, d)));
const settings = Object.fromEntries(
  impls.map((name) => [name, down_afters.map((d) => impl_of(name).settings(d))]),
);
const timelines = down_afters.flatMap((d) =>
  faults.flatMap((f) =>
    impls.map(
      (name) =>
        `- ${name}, ${f}, down-after ${d}: ${medianTimeline(runs.filter((r) => r.impl === name && r.fault === f && r.down_after_ms === d))}`,
    ),
  ),
);
const failed = runs
  .filter((r) => !r.ok)
  .map((r) => `- ${r.impl} ${r.fault} down-after ${r.down_after_ms} #${r.round}: ${r.reason ?? "?"}`);
const markdown = [
  `Mode: ${modeLabel(mode)}.`,
  "",
  "Side-by-side failover: sentinel-plane (ours) and Redis Sentinel, 1 primary + 2 replicas, 3 sentinels / agents, " +
    "quorum 2, on loopback inside a private network namespace; runs alternate ours / Redis Sentinel with fresh processes. " +
    "Partition = iptables DROP of TCP to and from the primary's port; for ours the primary's data-node is SIGSTOPped at " +
    "the same moment (in a real partition its reports would not arrive either). Kill and hang leave ours' data-node running " +
    "(it supervises redis-server on the same host). Client write outage = fault -> first write acknowledged by the new " +
    "primary. Lost = acknowledged (SET answered OK) keys missing on the new primary afterwards.",
  "",
  ...groups.map(groupMarkdown),
  "### Median timeline (first occurrence of each event, ms after the fault)",
  "",
  ...timelines,
  "",
  "### Settings",
  "",
  ...impls.map(
    (name) =>
      `- ${name}: ${impl_of(name)
        .settings(down_afters[0] ?? 0)
        .join("; ")}`,
  ),
  ...WRITER_SETTINGS.map((s) => `- ${s}`),
  "",
  ...(failed.length > 0 ? ["### Failed runs", "", ...failed, ""] : []),
].join("\n");
const files = writeResults(
  "failover",
  command,
  { mode: modeLabel(mode), settings, writers: WRITER_SETTINGS, runs, summaries: groups },
  markdown,
);
console.log(`\n${markdown}\n\nresults: ${files.md_path}`);
process.exit(0);
