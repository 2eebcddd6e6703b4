// Runs inside a data host's namespace, next to its redis-server, over loopback (so it still
// reaches it when the host is cut off, as an application on that host would):
//   node --import tsx probe.ts <node> <port> <sample_interval_ms> <write_interval_ms> [<vip>]
// Two loops on two connections (and a third, with a VIP):
//  - the sampler reads INFO replication and CONFIG GET min-replicas-to-write every interval and
//    prints {"type":"sample","node","t_ms","role","fenced","offset"} (role and fenced null when
//    the server did not answer within REPLY_TIMEOUT_MS);
//  - the writer SETs f:<node>:<seq> (one at a time) and prints {"type":"ack","writer","node",
//    "key","sent_ms","t_ms"} for every OK, {"type":"fail","writer","reason","t_ms"} when the
//    reason of failing changes (-READONLY on a replica, -NOREPLICAS when fenced...);
//  - with <vip>, every sample interval: {"type":"vip","node","t_ms","held"}, whether an interface
//    of this namespace carries the address (getifaddrs through os.networkInterfaces: no process
//    per sample, and never held up by a stopped or killed redis-server as the sampler is).
// Times are wall-clock (wall-clock.ts): every process of the lab shares the kernel's clock.
// Runs until the harness kills it by PID.
import { networkInterfaces } from "node:os";
import type { Redis } from "ioredis";
import { wallClock_ms } from "@sentinel-plane/testkit/netns-cluster";
import { FENCE_MARKER, TIMEOUT, faultClient, print, reasonOf, sleep } from "./lines.js";

const [node_arg, port_text, sample_text, write_text, vip] = process.argv.slice(2);
const port = Number(port_text);
const sample_interval_ms = Number(sample_text);
const write_interval_ms = Number(write_text);
if (
  node_arg === undefined ||
  ![port, sample_interval_ms, write_interval_ms].every((n) => Number.isInteger(n) && n > 0)
) {
  process.stderr.write("usage: probe.ts <node> <port> <sample_interval_ms> <write_interval_ms> [<vip>]\n");
  process.exit(2);
}
const node: string = node_arg;

function client(name: string): Redis {
  return faultClient("127.0.0.1", port, name);
}

async function sampleLoop(redis: Redis): Promise<never> {
  for (;;) {
    let role: string | null = null;
    let fenced: boolean | null = null;
    let offset: number | null = null;
    let error: string | null = null;
    try {
      const [info, config] = await Promise.all([
        redis.info("replication"),
        redis.config("GET", "min-replicas-to-write") as Promise<string[]>,
      ]);
      role = /^role:(\w+)/m.exec(info)?.[1] ?? null;
      offset = Number(/^master_repl_offset:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
      fenced = config[1] === FENCE_MARKER;
    } catch (failure) {
      // Not answering: role and fenced stay null. ioredis's commandTimeout says "Command timed out".
      error = failure instanceof Error && failure.message.includes("timed out") ? TIMEOUT : reasonOf(failure);
    }
    print({ type: "sample", node, t_ms: wallClock_ms(), role, fenced, offset, error });
    await sleep(sample_interval_ms);
  }
}

async function writeLoop(redis: Redis): Promise<never> {
  const writer = `local-${node}`;
  let last_reason = "";
  for (let seq = 1; ; seq++) {
    const key = `f:${node}:${seq}`;
    const sent_ms = wallClock_ms();
    try {
      await redis.set(key, "1");
      print({ type: "ack", writer, node, key, sent_ms, t_ms: wallClock_ms() });
      last_reason = "";
    } catch (error) {
      const reason = reasonOf(error);
      if (reason !== last_reason) print({ type: "fail", writer, reason, t_ms: wallClock_ms() });
      last_reason = reason;
    }
    await sleep(write_interval_ms);
  }
}

async function vipLoop(address: string): Promise<never> {
  for (;;) {
    const held = Object.values(networkInterfaces()).some(
      (entries) => entries?.some((entry) => entry.address === address) ?? false,
    );
    print({ type: "vip", node, t_ms: wallClock_ms(), held });
    await sleep(sample_interval_ms);
  }
}

await Promise.all([
  sampleLoop(client("fault-sampler")),
  writeLoop(client("fault-writer")),
  ...(vip === undefined ? [] : [vipLoop(vip)]),
]);
