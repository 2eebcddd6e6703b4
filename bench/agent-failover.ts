// Failover timing of sentinel-plane alone (the side-by-side benchmark against Redis Sentinel is
// bench/ work of its own): 1 primary + 2 replicas with supervising data-nodes, 3 agents,
// down-after 1000 ms, SIGKILL of the primary. For each run it records, on one monotonic clock:
// the first +switch-master received over NATS, and the first write the new primary accepts (a
// writer tries SET on every replica every 2 ms). Prints min/median/max over the runs.
//
//   node --import tsx bench/agent-failover.ts [--runs 5] [--down-after 1000] [--fault kill|stop]
import { parseArgs } from "node:util";
import { createRedisClient } from "@sentinel-plane/runtime";
import type { Redis } from "@sentinel-plane/runtime";
import { Harness, startCluster } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    "down-after": { type: "string", default: "1000" },
    fault: { type: "string", default: "kill" },
  },
});
const RUNS = Number(values.runs);
const DOWN_AFTER_MS = Number(values["down-after"]);
/** kill: SIGKILL (the supervising data-node reports the exit at once); stop: SIGSTOP (a hang). */
const FAULT = values.fault === "stop" ? "SIGSTOP" : "SIGKILL";

interface Sample {
  readonly switch_master_ms: number;
  readonly first_write_ms: number;
  readonly detected_ms: number;
}

function client(port: number): Redis {
  const c = createRedisClient({
    host: "127.0.0.1",
    port,
    connection_name: "bench",
    connect_timeout_ms: 200,
    command_timeout_ms: 200,
    retry_base_ms: 20,
    retry_max_ms: 50,
  });
  c.on("error", () => undefined);
  return c;
}

async function until(what: string, check: () => Promise<boolean>, timeout_ms: number): Promise<void> {
  const deadline = performance.now() + timeout_ms;
  while (!(await check().catch(() => false))) {
    if (performance.now() > deadline) throw new Error(`${what}: timed out`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function oneRun(run: number): Promise<Sample> {
  const controller = new AbortController();
  const procs = new Harness(`bench-failover-${run}`, controller.signal);
  try {
    const cluster: Cluster = await startCluster(procs, {
      replicas: 2,
      agents: 3,
      quorum: 2,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: 10_000,
    });
    const [primary, ...replicas] = cluster.redis;
    if (primary === undefined) throw new Error("no primary");
    const writer = client(primary.port);
    await writer.connect();
    await until(
      "primary writable",
      async () => {
        await writer.set("k", "v"); // NOREPLICAS while still fenced
        return true;
      },
      20_000,
    );
    await until(
      "agents ready",
      () => Promise.resolve(new Set(cluster.named("+sentinel").map((s) => s.event.agent)).size === 3),
      20_000,
    );
    const pid = Number(/process_id:(\d+)/.exec(await writer.info("server"))?.[1]);
    writer.disconnect();
    procs.adoptPid(pid);
    const clients = await Promise.all(
      replicas.map(async (r) => {
        const c = client(r.port);
        await c.connect();
        return c;
      }),
    );
    const mark = cluster.events.length;
    let first_write_ms = Number.NaN;
    const kill_ms = performance.now();
    process.kill(pid, FAULT);
    if (FAULT === "SIGSTOP") {
      procs.onCleanup(() => {
        process.kill(pid, "SIGCONT");
      });
    }
    const writing = (async () => {
      while (Number.isNaN(first_write_ms) && performance.now() - kill_ms < 30_000) {
        for (const c of clients) {
          try {
            await c.set("bench", "1");
            first_write_ms = performance.now() - kill_ms;
            break;
          } catch {
            // READONLY until promoted
          }
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: 30_000,
      since_index: mark,
    });
    await writing;
    const sdown = cluster.named("+sdown", mark)[0];
    for (const c of clients) c.disconnect();
    return {
      switch_master_ms: switched.received_ms - kill_ms,
      first_write_ms,
      detected_ms: sdown === undefined ? Number.NaN : sdown.received_ms - kill_ms,
    };
  } finally {
    await procs.teardown();
    controller.abort();
  }
}

function stats(xs: readonly number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const median =
    s.length % 2 === 1 ? s[(s.length - 1) / 2] : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
  return `min ${s[0]?.toFixed(0)} / median ${median?.toFixed(0)} / max ${s[s.length - 1]?.toFixed(0)} ms`;
}

const samples: Sample[] = [];
for (let run = 0; run < RUNS; run++) {
  const sample = await oneRun(run);
  samples.push(sample);
  console.log(
    `run ${run + 1}/${RUNS}: +sdown ${sample.detected_ms.toFixed(0)} ms, +switch-master ${sample.switch_master_ms.toFixed(0)} ms, first write on new primary ${sample.first_write_ms.toFixed(0)} ms`,
  );
}
console.log(
  `down-after ${DOWN_AFTER_MS} ms, ${FAULT} of the primary, supervised by data-nodes, ${RUNS} runs:`,
);
console.log(`  first +sdown            ${stats(samples.map((s) => s.detected_ms))}`);
console.log(`  first +switch-master    ${stats(samples.map((s) => s.switch_master_ms))}`);
console.log(`  first write accepted    ${stats(samples.map((s) => s.first_write_ms))}`);
