// CPU cost of one PING round trip from Node, the unit of an agent's steady-state work (bench/scale
// explains its CPU with it): ioredis as the agent's prober uses it, and a bare socket for the floor
// Node itself sets. process.cpuUsage() over N sequential PINGs to a real redis-server on loopback.
//
//   node --import tsx bench/ping-cost.ts [--pings 20000]
import net from "node:net";
import { parseArgs } from "node:util";
import { createRedisClient } from "@sentinel-plane/runtime";
import { Harness } from "@sentinel-plane/testkit";

const { values } = parseArgs({ options: { pings: { type: "string", default: "20000" } } });
const PINGS = Number(values.pings);
if (!Number.isInteger(PINGS) || PINGS < 1000 || PINGS > 1_000_000) throw new Error("--pings: 1000..1000000");

interface Cost {
  readonly user_us: number;
  readonly system_us: number;
}

async function measure(ping: () => Promise<unknown>): Promise<Cost> {
  for (let i = 0; i < 1000; i++) await ping(); // warm-up
  const before = process.cpuUsage();
  for (let i = 0; i < PINGS; i++) await ping();
  const used = process.cpuUsage(before);
  return { user_us: used.user / PINGS, system_us: used.system / PINGS };
}

const line = (what: string, c: Cost): string =>
  `${what.padEnd(22)} ${(c.user_us + c.system_us).toFixed(1)} us CPU per PING (user ${c.user_us.toFixed(1)}, system ${c.system_us.toFixed(1)})`;

const controller = new AbortController();
const procs = new Harness("bench-ping-cost", controller.signal);
try {
  const redis = await procs.startRedis();
  const client = createRedisClient({
    host: "127.0.0.1",
    port: redis.port,
    connection_name: "bench-ping-cost",
    connect_timeout_ms: 1000,
    command_timeout_ms: 1000,
    retry_base_ms: 50,
    retry_max_ms: 500,
    ready_check: false,
  });
  await client.connect();
  console.log(line("ioredis (the prober)", await measure(() => client.ping())));
  client.disconnect();

  const socket = net.connect(redis.port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once("connect", resolve));
  const rawPing = (): Promise<unknown> =>
    new Promise((resolve) => {
      socket.once("data", resolve);
      socket.write("PING\r\n");
    });
  console.log(line("bare socket", await measure(rawPing)));
  socket.destroy();
} finally {
  await procs.teardown();
  controller.abort();
}
