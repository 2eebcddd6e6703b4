// CPU one TLS connection costs the server that accepts it: a Node TLS server as the agent's
// Sentinel port and REST run it (one secure context, ECDSA P-256 certificates from the throwaway
// CA), with and without a verified client certificate (tls-auth-clients yes / no), beside a plain
// TCP connection, and redis-server 7 (C, OpenSSL) for the same handshake. Each connection: connect,
// handshake, PING / +PONG, close; the server's CPU (process.cpuUsage in a child process; /proc for
// redis-server) over N connections made one after the other, median of 3 rounds. Why it matters:
// a failover with TLS on makes every client reconnect (README "With auth and TLS on").
//
//   node --import tsx bench/tls-handshake.ts [--connections 300]
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { parseArgs } from "node:util";
import { makeThrowawayCerts, throwawayCertFiles } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import { Harness } from "@sentinel-plane/testkit";
import { summarize, table, writeResults } from "./lib/index.js";
import { clockTicksPerSecond, cpuTicks } from "./lib/proc-stat.js";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "300" },
    serve: { type: "string" },
    certs: { type: "string" },
  },
});

type ServerKind = "plain" | "tls" | "tls-client-cert";

/** The child: one server of `kind`, answering PING, reporting its CPU when asked. */
function serve(kind: ServerKind, certs: ThrowawayCerts): void {
  const onSocket = (socket: net.Socket): void => {
    socket.on("data", () => socket.write("+PONG\r\n"));
    socket.on("error", () => undefined);
  };
  const server =
    kind === "plain"
      ? net.createServer(onSocket)
      : tls.createServer(
          {
            cert: readFileSync(certs.cert_file),
            key: readFileSync(certs.key_file),
            ca: readFileSync(certs.ca_file),
            requestCert: kind === "tls-client-cert",
            rejectUnauthorized: kind === "tls-client-cert",
          },
          onSocket,
        );
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.send?.({ port: typeof address === "object" && address !== null ? address.port : 0 });
  });
  process.on("message", () => {
    const used = process.cpuUsage();
    process.send?.({ cpu_us: used.user + used.system });
  });
}

/** The child's next message's numeric `field` (it sends `{ port }` once listening, `{ cpu_us }` when asked). */
function ask(child: ChildProcess, field: "port" | "cpu_us", message: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("message", (reply: unknown) => {
      const value: unknown = typeof reply === "object" && reply !== null ? Reflect.get(reply, field) : null;
      if (typeof value === "number") resolve(value);
      else reject(new Error(`server child: no ${field} in ${JSON.stringify(reply)}`));
    });
    if (message !== null) child.send(message);
  });
}

/** One connection: connect (and handshake), PING, +PONG, close. */
async function connectOnce(port: number, context: tls.SecureContext | null): Promise<void> {
  const socket =
    context === null
      ? net.connect(port, "127.0.0.1")
      : tls.connect({ host: "127.0.0.1", port, secureContext: context, servername: "localhost" });
  await new Promise<void>((resolve, reject) => {
    socket.once(context === null ? "connect" : "secureConnect", () => {
      resolve();
    });
    socket.once("error", reject);
  });
  // A reset after the answer (the server closing first) is no failure of the measured connection.
  socket.on("error", () => undefined);
  const answered = new Promise((resolve) => socket.once("data", resolve));
  socket.write("PING\r\n");
  await answered;
  socket.destroy();
}

/** Server CPU per connection (ms), median of 3 rounds of `connections` after a warm-up. */
async function perConnection(
  port: number,
  context: tls.SecureContext | null,
  connections: number,
  cpu_us: () => Promise<number>,
): Promise<number[]> {
  for (let i = 0; i < 50; i++) await connectOnce(port, context);
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    const before = await cpu_us();
    for (let i = 0; i < connections; i++) await connectOnce(port, context);
    rounds.push((await cpu_us()) - before);
  }
  return rounds.map((us) => us / 1000 / connections);
}

async function nodeServer(kind: ServerKind, certs: ThrowawayCerts, connections: number): Promise<number[]> {
  const child = fork(process.argv[1] ?? "", ["--serve", kind, "--certs", certs.dir], {
    execArgv: process.execArgv,
  });
  try {
    const port = await ask(child, "port", null);
    const context =
      kind === "plain"
        ? null
        : tls.createSecureContext({
            ca: readFileSync(certs.ca_file),
            cert: readFileSync(certs.client_cert_file),
            key: readFileSync(certs.client_key_file),
          });
    const cpu = (): Promise<number> => ask(child, "cpu_us", "cpu");
    return await perConnection(port, context, connections, cpu);
  } finally {
    child.kill();
  }
}

async function redisServer(certs: ThrowawayCerts, connections: number): Promise<number[]> {
  const controller = new AbortController();
  const procs = new Harness("bench-tls-handshake", controller.signal);
  try {
    const redis = await procs.startRedis({ tls: certs });
    const context = tls.createSecureContext({
      ca: readFileSync(certs.ca_file),
      cert: readFileSync(certs.client_cert_file),
      key: readFileSync(certs.client_key_file),
    });
    const us_per_tick = 1_000_000 / clockTicksPerSecond();
    const cpu = (): Promise<number> => Promise.resolve(cpuTicks(redis.pid) * us_per_tick);
    return await perConnection(redis.port, context, connections, cpu);
  } finally {
    await procs.teardown();
  }
}

async function main(): Promise<void> {
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 100 || connections > 10_000)
    throw new Error("--connections: 100..10000");
  const dir = mkdtempSync(join(tmpdir(), "sp-tls-handshake-"));
  try {
    const certs = await makeThrowawayCerts(dir);
    const arms: [string, number[]][] = [
      ["Node, plain TCP", await nodeServer("plain", certs, connections)],
      ["Node, TLS (no client certificate)", await nodeServer("tls", certs, connections)],
      [
        "Node, TLS with a verified client certificate",
        await nodeServer("tls-client-cert", certs, connections),
      ],
      ["redis-server, TLS with a verified client certificate", await redisServer(certs, connections)],
    ];
    const rows = arms.map(([name, ms]) => {
      const s = summarize(ms);
      return [name, s.median.toFixed(2), `${s.min.toFixed(2)}-${s.max.toFixed(2)}`];
    });
    const markdown = [
      "# tls-handshake",
      "",
      `Server CPU per connection (connect, handshake, PING, close), ${connections} connections a round, median of 3 rounds; Node ${process.version}, OpenSSL ${process.versions.openssl}.`,
      "",
      table(["server", "CPU ms per connection (median)", "rounds min-max"], rows),
      "",
    ].join("\n");
    console.log(markdown);
    writeResults(
      "tls-handshake",
      `node --import tsx bench/tls-handshake.ts --connections ${connections}`,
      arms,
      markdown,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values.serve !== undefined) {
  const kind = values.serve;
  if (kind !== "plain" && kind !== "tls" && kind !== "tls-client-cert") throw new Error(`--serve ${kind}`);
  serve(kind, throwawayCertFiles(values.certs ?? ""));
} else {
  await main();
}
