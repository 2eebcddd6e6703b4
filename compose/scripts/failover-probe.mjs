// compose/test-compose.sh's measuring client, copied into a Redis host's container and run there
// with the image's node (no packages: RESP over node:net). Two modes:
//
//   kill: SIGKILL of this container's redis-server (the primary), then the time to the first
//         +switch-master published by any agent and to the first write acknowledged by one of
//         the other hosts (SET every WRITE_EVERY_MS on each; READONLY/NOREPLICAS until it takes
//         them). Prints one JSON line: { switch_master_ms, first_write_ms, new_primary, ... }.
//     node failover-probe.mjs kill <sentinel-pass> <agent,agent,..> <candidate,candidate,..>
//   writes: SET on <address> (127.0.0.1:6379) every WRITE_EVERY_MS for <ms>: counts acknowledged
//         and refused writes and the longest time without an acknowledged one.
//     node failover-probe.mjs writes <ms> [address]
// Addresses are host:port. Exit 0 with the JSON line, 1 with a reason on stderr.
import { connect } from "node:net";
import { readdirSync, readFileSync } from "node:fs";

const WRITE_EVERY_MS = 5;
const COMMAND_TIMEOUT_MS = 1000;
const KILL_DEADLINE_MS = 60_000;

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const encode = (args) =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
const hostPort = (text) => {
  const at = text.lastIndexOf(":");
  return { host: text.slice(0, at), port: Number(text.slice(at + 1)) };
};

/** One connection, one command at a time: the reply's first line (+OK, -READONLY ...). */
class Line {
  constructor(address) {
    this.address = address;
    this.socket = null;
    this.buffer = "";
    this.waiting = null;
  }
  async command(args) {
    if (this.socket === null) await this.#open();
    const socket = this.socket;
    if (socket === null) return "-PROBE_CONN refused";
    return await new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#drop();
        resolve("-PROBE_TIMEOUT");
      }, COMMAND_TIMEOUT_MS);
      this.waiting = (line) => {
        clearTimeout(timer);
        resolve(line);
      };
      socket.write(encode(args));
    });
  }
  #open() {
    return new Promise((resolve) => {
      const { host, port } = hostPort(this.address);
      const socket = connect({ host, port });
      socket.setNoDelay(true);
      this.socket = socket;
      this.buffer = "";
      socket.on("connect", resolve);
      socket.on("data", (chunk) => {
        this.buffer += chunk.toString("latin1");
        const end = this.buffer.indexOf("\r\n");
        if (end < 0) return;
        const line = this.buffer.slice(0, end);
        this.buffer = "";
        const waiting = this.waiting;
        this.waiting = null;
        waiting?.(line);
      });
      const gone = (error) => {
        if (this.socket !== socket) return;
        this.#drop();
        resolve();
        const waiting = this.waiting;
        this.waiting = null;
        waiting?.(`-PROBE_CONN ${error?.code ?? "closed"}`);
      };
      socket.on("error", gone);
      socket.on("close", gone);
    });
  }
  #drop() {
    this.socket?.destroy();
    this.socket = null;
  }
  close() {
    this.#drop();
  }
}

/** Subscribes to +switch-master on an agent's Sentinel port; resolves with the first message. */
function switchMaster(address, password, subscribed) {
  return new Promise((resolve, reject) => {
    const { host, port } = hostPort(address);
    const socket = connect({ host, port });
    let buffer = "";
    let confirmed = false;
    socket.on("connect", () => {
      socket.write(encode(["AUTH", password]) + encode(["SUBSCRIBE", "+switch-master"]));
    });
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      if (buffer.startsWith("-")) reject(new Error(`${address}: ${buffer.split("\r\n")[0]}`));
      if (!confirmed && buffer.includes("$9\r\nsubscribe\r\n")) {
        confirmed = true;
        subscribed();
      }
      const at = buffer.indexOf("$7\r\nmessage\r\n");
      if (at < 0) return;
      const lines = buffer.slice(at).split("\r\n");
      // $7 message, $13 +switch-master, $N payload
      if (lines.length < 7) return;
      const at_ms = now();
      socket.destroy();
      resolve({ at_ms, agent: address, payload: lines[5] });
    });
    socket.on("error", (error) => reject(new Error(`${address}: ${error.message}`)));
  });
}

function redisServerPid() {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === "redis-server") return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error("no redis-server in this container");
}

async function firstWrite(candidates, since_ms, stop) {
  const lines = candidates.map((c) => new Line(c));
  let count = 0;
  const loops = lines.map(async (line) => {
    while (!stop.done) {
      const reply = await line.command(["SET", "sp:probe", String(count++)]);
      if (reply === "+OK") return { at_ms: now(), address: line.address };
      await sleep(WRITE_EVERY_MS);
    }
    return null;
  });
  const winner = await Promise.any(
    loops.map((loop) => loop.then((r) => (r === null ? Promise.reject(new Error("stopped")) : r))),
  );
  stop.done = true;
  await Promise.allSettled(loops);
  for (const line of lines) line.close();
  return { ...winner, since_ms };
}

async function kill([password, agents, candidates]) {
  if (password === undefined || agents === undefined || candidates === undefined) {
    throw new Error("usage: failover-probe.mjs kill <sentinel-pass> <agents> <candidates>");
  }
  const agentList = agents.split(",");
  let ready = 0;
  let allSubscribed;
  const subscribedAll = new Promise((resolve) => (allSubscribed = resolve));
  const events = agentList.map((a) =>
    switchMaster(a, password, () => {
      ready += 1;
      if (ready === agentList.length) allSubscribed();
    }),
  );
  // One agent's failure is not the probe's: the first +switch-master from any of them counts.
  for (const e of events) e.catch(() => undefined);
  const timeout = setTimeout(() => {
    console.error(`failover-probe: no switch-master and write within ${KILL_DEADLINE_MS} ms`);
    process.exit(1);
  }, KILL_DEADLINE_MS);
  await subscribedAll;
  const local = new Line("127.0.0.1:6379");
  const before = await local.command(["SET", "sp:probe", "before"]);
  local.close();
  if (before !== "+OK") throw new Error(`the primary does not take writes before the kill: ${before}`);
  const pid = redisServerPid();
  const killed_ms = now();
  process.kill(pid, "SIGKILL");
  const stop = { done: false };
  const [event, write] = await Promise.all([
    Promise.any(events),
    firstWrite(candidates.split(","), killed_ms, stop),
  ]);
  clearTimeout(timeout);
  console.log(
    JSON.stringify({
      killed_pid: pid,
      switch_master_ms: Math.round(event.at_ms - killed_ms),
      first_write_ms: Math.round(write.at_ms - killed_ms),
      new_primary: write.address,
      switch_master_from: event.agent,
      switch_master: event.payload,
    }),
  );
  process.exit(0);
}

async function writes([duration, address = "127.0.0.1:6379"]) {
  const for_ms = Number(duration);
  if (!(for_ms > 0)) throw new Error("usage: failover-probe.mjs writes <ms>");
  const line = new Line(address);
  const started = now();
  let acknowledged = 0;
  let refused = 0;
  let last_ok = started;
  let longest_gap_ms = 0;
  const errors = new Map();
  let i = 0;
  while (now() - started < for_ms) {
    const reply = await line.command(["SET", "sp:writes", String(i++)]);
    const t = now();
    if (reply === "+OK") {
      acknowledged += 1;
      longest_gap_ms = Math.max(longest_gap_ms, t - last_ok);
      last_ok = t;
    } else {
      refused += 1;
      const code = reply.slice(1).split(" ")[0];
      errors.set(code, (errors.get(code) ?? 0) + 1);
    }
    await sleep(WRITE_EVERY_MS);
  }
  longest_gap_ms = Math.max(longest_gap_ms, now() - last_ok);
  line.close();
  console.log(
    JSON.stringify({
      for_ms,
      acknowledged,
      refused,
      longest_gap_ms: Math.round(longest_gap_ms),
      errors: Object.fromEntries(errors),
    }),
  );
}

const [mode, ...rest] = process.argv.slice(2);
try {
  if (mode === "kill") await kill(rest);
  else if (mode === "writes") await writes(rest);
  else throw new Error("usage: failover-probe.mjs kill|writes ...");
} catch (error) {
  console.error(`failover-probe: ${error.message}`);
  process.exit(1);
}
