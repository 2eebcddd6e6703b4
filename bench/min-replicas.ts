// The strict mode's rule (libs/core/src/min-replicas.ts) against real redis-servers: how fast a
// heartbeat + `WAIT 1 <timeout>` is acknowledged by a healthy replica, and, when the replica stops
// (SIGSTOP: it acknowledges nothing any more), how long the primary keeps acknowledging writes that
// no replica has (the loss window if the primary died then) before the rule fences it. A primary
// and one replica on loopback; the rule is driven by a 5 ms tick (as a data-node would), the fence
// is the data-node's (`CONFIG SET min-replicas-to-write 2147483647`), a writer SETs continuously.
//
//   node --import tsx bench/min-replicas.ts [--runs 5] [--max-lag-ms 100]
import { parseArgs } from "node:util";
import { heartbeatMsFor, minReplicasStep, newMinReplicasState } from "@sentinel-plane/core";
import type { MinReplicasConfig, MinReplicasEffect, MinReplicasInput } from "@sentinel-plane/core";
import { createRedisClient } from "@sentinel-plane/runtime";
import { Harness } from "@sentinel-plane/testkit";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "5" }, "max-lag-ms": { type: "string", default: "100" } },
});
const RUNS = Number(values.runs);
const MAX_LAG_MS = Number(values["max-lag-ms"]);
if (!Number.isInteger(RUNS) || RUNS < 1 || RUNS > 100) throw new Error("--runs: 1..100");
if (!Number.isInteger(MAX_LAG_MS) || MAX_LAG_MS < 10 || MAX_LAG_MS > 10_000)
  throw new Error("--max-lag-ms: 10..10000");
const CONFIG: MinReplicasConfig = {
  max_lag_ms: MAX_LAG_MS,
  min_replicas: 1,
  heartbeat_ms: heartbeatMsFor(MAX_LAG_MS),
};
const TICK_MS = 5;
const HEALTHY_MS = 5000;
const FENCE_MARKER = "2147483647";

type Client = ReturnType<typeof createRedisClient>;

function client(port: number, name: string): Client {
  return createRedisClient({
    host: "127.0.0.1",
    port,
    connection_name: name,
    connect_timeout_ms: 1000,
    command_timeout_ms: 5000,
    retry_base_ms: 50,
    retry_max_ms: 500,
    ready_check: false,
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every 5 ms until it gives a value (bounded by the harness's teardown on error). */
async function until(read: () => number | null): Promise<number> {
  for (let i = 0; i < 2000; i += 1) {
    const value = read();
    if (value !== null) return value;
    await sleep(5);
  }
  throw new Error("not reached within 10 s");
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The rule's shell: ticks, heartbeats on their own connection, fence/unfence on another. */
class Shell {
  state = newMinReplicasState();
  fenced = false;
  fence_ms: number | null = null;
  unfence_ms: number | null = null;
  fences = 0;
  #polling = false;
  readonly wait_rtts_ms: number[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    readonly heartbeat: Client,
    readonly admin: Client,
  ) {}

  start(): void {
    this.#timer = setInterval(() => {
      this.step({
        type: "tick",
        now_ms: performance.now(),
        server: { role: "master", fenced: this.fenced },
      });
      if (this.fenced && !this.#polling) void this.pollInSync();
    }, TICK_MS);
  }

  /** While fenced: INFO replication, as the data-node's poll would read it. */
  async pollInSync(): Promise<void> {
    this.#polling = true;
    try {
      this.step({ type: "replicas_in_sync", now_ms: performance.now(), count: await inSync(this.admin) });
    } finally {
      this.#polling = false;
    }
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
  }

  step(input: MinReplicasInput): void {
    const out = minReplicasStep(CONFIG, this.state, input);
    this.state = out.state;
    for (const effect of out.effects) void this.carry(effect);
  }

  async carry(effect: MinReplicasEffect): Promise<void> {
    if (effect.type === "heartbeat") {
      const sent = performance.now();
      let acked: number | null;
      try {
        await this.heartbeat.set("__sp_strict_heartbeat", String(effect.id));
        acked = Number(
          await this.heartbeat.call("WAIT", String(effect.min_replicas), String(effect.timeout_ms)),
        );
        if (acked >= 1) this.wait_rtts_ms.push(performance.now() - sent);
      } catch {
        acked = null; // fenced: the heartbeat write is refused
      }
      this.step({ type: "heartbeat_result", now_ms: performance.now(), id: effect.id, acked });
      return;
    }
    const value = effect.type === "fence" ? FENCE_MARKER : "0";
    await this.admin.call("CONFIG", "SET", "min-replicas-to-write", value);
    const now = performance.now();
    this.fenced = effect.type === "fence";
    if (effect.type === "fence") {
      this.fence_ms = now;
      this.fences += 1;
    } else {
      this.unfence_ms = now;
    }
    this.step({ type: "fence_result", now_ms: now, fenced: this.fenced, ok: true });
  }
}

/** Replicas whose acknowledged offset equals the primary's (INFO replication). */
async function inSync(admin: Client): Promise<number> {
  const text = String(await admin.call("INFO", "replication"));
  const offset = Number(/master_repl_offset:(\d+)/.exec(text)?.[1] ?? -1);
  let count = 0;
  for (const match of text.matchAll(/slave\d+:.*state=online,offset=(\d+)/g)) {
    if (Number(match[1]) >= offset) count += 1;
  }
  return count;
}

interface RunFigures {
  /** Fences while the replica was healthy (a heartbeat slower than the bound). */
  readonly false_fences: number;
  readonly stop_to_fence_ms: number;
  readonly acked_after_stop: number;
  readonly last_ack_after_stop_ms: number;
  readonly cont_to_unfence_ms: number;
}

async function oneRun(procs: Harness, run: number): Promise<{ figures: RunFigures; rtts: number[] }> {
  const primary = await procs.startRedis({ name: `p${run}` });
  const replica = await procs.startRedis({
    name: `r${run}`,
    replicaof: { host: "127.0.0.1", port: primary.port },
  });
  const admin = client(primary.port, "bench-admin");
  const heartbeat = client(primary.port, "bench-heartbeat");
  const writer = client(primary.port, "bench-writer");
  for (const c of [admin, heartbeat, writer]) await c.connect();
  while ((await inSync(admin)) < 1) await sleep(20);
  const shell = new Shell(heartbeat, admin);
  shell.start();
  // The writer: sequential SETs, each acknowledgement timed; stops at the first refusal.
  const acks: number[] = [];
  let writing = true;
  const writes = (async () => {
    for (let i = 0; writing; i += 1) {
      try {
        await writer.set(`k${i}`, "v");
        acks.push(performance.now());
      } catch {
        await sleep(1); // NOREPLICAS while fenced
      }
    }
  })();
  await sleep(HEALTHY_MS); // healthy: a fence now is a false one (lifted by the in-sync poll)
  while (shell.fenced) await sleep(5);
  const false_fences = shell.fences;
  const stop_ms = performance.now();
  shell.fence_ms = null;
  process.kill(replica.pid, "SIGSTOP");
  const fence_ms = await until(() => shell.fence_ms);
  await sleep(200);
  const after = acks.filter((t) => t > stop_ms);
  const cont_ms = performance.now();
  shell.unfence_ms = null;
  process.kill(replica.pid, "SIGCONT");
  const unfence_ms = await until(() => shell.unfence_ms);
  writing = false;
  await writes;
  shell.stop();
  for (const c of [admin, heartbeat, writer]) c.disconnect();
  return {
    figures: {
      false_fences,
      stop_to_fence_ms: fence_ms - stop_ms,
      acked_after_stop: after.length,
      last_ack_after_stop_ms: after.length === 0 ? 0 : Math.max(...after) - stop_ms,
      cont_to_unfence_ms: unfence_ms - cont_ms,
    },
    rtts: shell.wait_rtts_ms,
  };
}

const controller = new AbortController();
const procs = new Harness("bench-min-replicas", controller.signal);
try {
  const all: RunFigures[] = [];
  const rtts: number[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const { figures, rtts: r } = await oneRun(procs, run);
    all.push(figures);
    rtts.push(...r);
    console.log(
      `run ${run}: ${figures.false_fences} false fence(s) in ${HEALTHY_MS} ms healthy; replica SIGSTOP -> fenced ${figures.stop_to_fence_ms.toFixed(0)} ms; ` +
        `${figures.acked_after_stop} writes acknowledged after the stop (the last ${figures.last_ack_after_stop_ms.toFixed(0)} ms after it); ` +
        `SIGCONT -> unfenced ${figures.cont_to_unfence_ms.toFixed(0)} ms`,
    );
  }
  rtts.sort((a, b) => a - b);
  const windows = all.map((f) => f.last_ack_after_stop_ms).sort((a, b) => a - b);
  const false_fences = all.reduce((n, f) => n + f.false_fences, 0);
  console.log(
    `max-lag-ms ${MAX_LAG_MS}, heartbeat ${CONFIG.heartbeat_ms} ms, ${RUNS} runs: heartbeat+WAIT acknowledged in ` +
      `p50 ${quantile(rtts, 0.5).toFixed(2)} ms, p99 ${quantile(rtts, 0.99).toFixed(2)} ms (${rtts.length} heartbeats); ` +
      `max ${rtts.at(-1)?.toFixed(1)} ms; writes acknowledged up to ${windows.at(-1)?.toFixed(0)} ms after the replica stopped ` +
      `(median ${quantile(windows, 0.5).toFixed(0)} ms); ${false_fences} false fence(s) in ${(RUNS * HEALTHY_MS) / 1000} s healthy`,
  );
} finally {
  await procs.teardown();
}
