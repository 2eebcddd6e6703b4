// The client's write outage through the VIP after a SIGKILL of the primary (issue 7), with the
// whole control plane on namespace hosts (NetnsCluster): h1..h3 run redis-server supervised by a
// data-node, a sentinel-agent and a vip-manager with the built-in VIP; h4 runs nats-server; c1
// writes through the VIP (SET every 5 ms, connect timeout 100 ms, reply timeout 200 ms). down-after 1000 ms.
// Each run builds a fresh lab, kills h1's redis-server, and measures on one wall-clock base:
//   outage    SIGKILL -> the first write acknowledged by the new primary through the VIP
//   gap       the last write acknowledged before the kill -> that first write
//   switch    SIGKILL -> the first +switch-master (as the tap on h4 received it)
//   vip-bound SIGKILL -> the new host's vip-manager logged the VIP bound (log time, ms precision)
//   probe     the duplicate address probe right before that bind (its log line's probe_ms), and
//             the probes before it that found the VIP still answered (the old holder not yet gone)
// Prints each run, then min / median / max. Needs root (network namespaces).
//
//   node --import tsx bench/vip-outage.ts [--runs 5]
import { parseArgs } from "node:util";
import { NetnsCluster } from "@sentinel-plane/testkit/netns-cluster";
import { formatSummary, summarize } from "./lib/index.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const RUNS = Number(values.runs);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 100) throw new Error("--runs: 1..100");

const SUBNET = "10.84.0";
const VIP = `${SUBNET}.50`;
const DOWN_AFTER_MS = 1000;
const STEP_TIMEOUT_MS = 30_000;

interface Sample {
  readonly outage_ms: number;
  readonly gap_ms: number;
  readonly switch_ms: number;
  readonly vip_bound_ms: number;
  readonly probe_ms: number;
  readonly waits: number;
}

async function oneRun(): Promise<Sample> {
  const cluster = await NetnsCluster.start({
    subnet: SUBNET,
    down_after_ms: DOWN_AFTER_MS,
    failover_timeout_ms: 10_000,
    vip: { address: VIP, prefix_length: 24, lease_ms: 2000, reconcile_interval_ms: 250, kv_timeout_ms: 500 },
  });
  try {
    await cluster.ready(STEP_TIMEOUT_MS);
    const client = await cluster.startClient(
      VIP,
      { interval_ms: 5, connect_timeout_ms: 100, reply_timeout_ms: 200, run_max_ms: 120_000 },
      STEP_TIMEOUT_MS,
    );
    const old = cluster.initial_primary;
    const old_run_id = await cluster.redisInfoField(old.name, "run_id");
    // A steady writer: 100 acknowledged writes on the first primary before the kill.
    const steady = await client.waitForAck((ack) => ack.run_id === old_run_id, STEP_TIMEOUT_MS);
    await client.waitForAck((ack) => ack.seq >= steady.seq + 100, STEP_TIMEOUT_MS);

    const mark = cluster.mark();
    const killed = await cluster.killRedis(old.name);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: STEP_TIMEOUT_MS,
      since_index: mark,
    });
    const next = cluster.switchedTo(switched.event);
    const next_run_id = await cluster.redisInfoField(next.name, "run_id");
    const resumed = await client.waitForAck(
      (ack) => ack.t_ms > killed.t_ms && ack.run_id === next_run_id,
      STEP_TIMEOUT_MS,
    );
    if (next.vip_manager === null) throw new Error("no vip-manager");
    const bound = await cluster
      .logOf(next.vip_manager)
      .waitFor(
        (l) => l["event"] === "vip_hold" && l["action"] === "bound" && Number(l["config_epoch"]) > 0,
        STEP_TIMEOUT_MS,
      );
    const last = client.lastAckBefore(killed.t_ms);
    const waits = cluster
      .logOf(next.vip_manager)
      .lines.filter((l) => l["event"] === "vip_wait" && Number(l["config_epoch"]) > 0).length;
    return {
      outage_ms: resumed.t_ms - killed.t_ms,
      gap_ms: resumed.t_ms - (last?.t_ms ?? Number.NaN),
      switch_ms: switched.t_ms - killed.t_ms,
      vip_bound_ms: Date.parse(String(bound["time"])) - killed.t_ms,
      probe_ms: Number(bound["probe_ms"]),
      waits,
    };
  } finally {
    await cluster.teardown();
  }
}

const stats = (xs: readonly number[]): string => formatSummary(summarize(xs));

const samples: Sample[] = [];
for (let run = 1; run <= RUNS; run++) {
  const sample = await oneRun();
  samples.push(sample);
  console.log(
    `run ${run}/${RUNS}: outage ${sample.outage_ms.toFixed(0)} ms (gap ${sample.gap_ms.toFixed(0)} ms), ` +
      `+switch-master ${sample.switch_ms.toFixed(0)} ms, VIP bound ${sample.vip_bound_ms.toFixed(0)} ms ` +
      `(probe ${sample.probe_ms.toFixed(0)} ms, ${sample.waits} probe(s) answered before)`,
  );
}
console.log(
  `down-after ${DOWN_AFTER_MS} ms, SIGKILL of the primary (supervised data-nodes), writes through the VIP from c1, ${RUNS} runs:`,
);
console.log(
  `  write outage (kill -> first write on the new primary)  ${stats(samples.map((s) => s.outage_ms))}`,
);
console.log(
  `  gap between acknowledged writes                         ${stats(samples.map((s) => s.gap_ms))}`,
);
console.log(
  `  first +switch-master                                    ${stats(samples.map((s) => s.switch_ms))}`,
);
console.log(
  `  VIP bound on the new primary's host                     ${stats(samples.map((s) => s.vip_bound_ms))}`,
);
console.log(
  `  duplicate address probe before the bind                 ${stats(samples.map((s) => s.probe_ms))}`,
);
console.log(
  `  probes that found the old holder still there, per run   ${samples.map((s) => s.waits).join(" ")}`,
);
