// A client that finds the primary through the agents, run inside the client namespace (c1):
//   node --import tsx client-writer.ts <master_name> <redis_port> <sentinel_port> <interval_ms>
//        <host>=<address> ...
// It asks the agents in turn `SENTINEL get-master-addr-by-name`, connects to the address named
// and SETs f:c:<seq> (one at a time); on any failure it asks again and moves if the name changed
// (as a plain Sentinel-aware client does). Every OK is printed with the data host that
// acknowledged it: {"type":"ack","writer":"client","node","key","sent_ms","t_ms"}.
import type { Redis } from "ioredis";
import { wallClock_ms } from "@sentinel-plane/testkit/netns-cluster";
import { faultClient, print, reasonOf, sleep } from "./lines.js";

const WRITER = "client";

const [master_name, redis_port_text, sentinel_port_text, interval_text, ...pairs] = process.argv.slice(2);
const redis_port = Number(redis_port_text);
const sentinel_port = Number(sentinel_port_text);
const interval_ms = Number(interval_text);
const hosts = new Map(pairs.map((pair) => [pair.split("=")[1] ?? "", pair.split("=")[0] ?? ""]));
if (
  master_name === undefined ||
  hosts.size === 0 ||
  ![redis_port, sentinel_port, interval_ms].every((n) => Number.isInteger(n) && n > 0)
) {
  process.stderr.write(
    "usage: client-writer.ts <master_name> <redis_port> <sentinel_port> <interval_ms> <host>=<address> ...\n",
  );
  process.exit(2);
}

const agents = [...hosts.keys()].map((address) => faultClient(address, sentinel_port, "fault-client-ask"));
let next_agent = 0;

/** The address the next agent that answers names, or null. */
async function ask(): Promise<string | null> {
  for (let i = 0; i < agents.length; i++) {
    const agent = agents[next_agent];
    next_agent = (next_agent + 1) % agents.length;
    try {
      const reply = await agent?.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name ?? "");
      const address = Array.isArray(reply) ? String(reply[0]) : null;
      if (address !== null && hosts.has(address)) return address;
    } catch {
      // the next agent
    }
  }
  return null;
}

/** The primary the writer writes to (assigned by move). */
const current: { address: string | null; primary: Redis | null } = { address: null, primary: null };
async function move(): Promise<void> {
  const named = await ask();
  if (named === null || named === current.address) return;
  current.primary?.disconnect();
  current.address = named;
  current.primary = faultClient(named, redis_port, "fault-client-writer");
}

let last_reason = "";
await move();
for (let seq = 1; ; seq++) {
  const key = `f:c:${seq}`;
  const sent_ms = wallClock_ms();
  try {
    const { primary, address } = current;
    if (primary === null || address === null) throw new Error("NO_PRIMARY_KNOWN");
    const node = hosts.get(address) ?? address;
    await primary.set(key, "1");
    print({ type: "ack", writer: WRITER, node, key, sent_ms, t_ms: wallClock_ms() });
    last_reason = "";
  } catch (error) {
    const reason = reasonOf(error);
    if (reason !== last_reason) print({ type: "fail", writer: WRITER, reason, t_ms: wallClock_ms() });
    last_reason = reason;
    await move();
  }
  await sleep(interval_ms);
}
