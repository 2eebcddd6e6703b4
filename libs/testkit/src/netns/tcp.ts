// Tiny TCP tools for tests inside namespaces: a server that answers every connection with a
// fixed line (who am I), and a probe that prints that line. Both are `node -e` argvs, so they
// need nothing installed and run under `ip netns exec`.

const SERVER_SOURCE = `
const net = require("node:net");
const [port, reply] = process.argv.slice(1);
net.createServer((socket) => socket.end(reply + "\\n"))
  .listen(Number(port), "0.0.0.0", () => console.log("ready " + port));
`;

const PROBE_SOURCE = `
const net = require("node:net");
const [host, port, timeout_ms] = process.argv.slice(1);
const socket = net.connect({ host, port: Number(port) });
let data = "";
const timer = setTimeout(() => { process.stdout.write("timeout"); process.exit(2); }, Number(timeout_ms));
socket.on("data", (chunk) => { data += chunk; });
socket.on("end", () => { clearTimeout(timer); process.stdout.write(data.trim()); process.exit(0); });
socket.on("error", (error) => { clearTimeout(timer); process.stdout.write(error.code || "error"); process.exit(1); });
`;

/** Listens on 0.0.0.0:port, answers `reply`, prints `ready <port>` once listening. */
export function tcpReplyServerArgv(port: number, reply: string): readonly string[] {
  return [process.execPath, "-e", SERVER_SOURCE, String(port), reply];
}

/** Connects, prints the reply and exits 0; exit 1 on a connect error, 2 on timeout. */
export function tcpProbeArgv(host: string, port: number, timeout_ms: number): readonly string[] {
  return [process.execPath, "-e", PROBE_SOURCE, host, String(port), String(timeout_ms)];
}

export interface TcpProbeTarget {
  exec(
    name: string,
    argv: readonly string[],
    timeout_ms?: number,
  ): Promise<{ code: number | null; stdout: string }>;
}

/** One connection attempt from inside `from`; the reply, or null when none came. */
export async function probeTcp(
  lab: TcpProbeTarget,
  from: string,
  host: string,
  port: number,
  connect_timeout_ms: number,
): Promise<string | null> {
  const result = await lab.exec(
    from,
    tcpProbeArgv(host, port, connect_timeout_ms),
    connect_timeout_ms + 10_000,
  );
  return result.code === 0 ? result.stdout : null;
}

/**
 * Probes until the reply is `expected` or the deadline passes; returns the last reply.
 * Reachability has no event to await, so this polls (each attempt bounded by its timeout).
 */
export async function waitForTcpReply(
  lab: TcpProbeTarget,
  from: string,
  target: { readonly host: string; readonly port: number },
  expected: string,
  deadline_ms: number,
  connect_timeout_ms = 200,
): Promise<string | null> {
  const until_ms = performance.now() + deadline_ms;
  let reply: string | null = null;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    reply = await probeTcp(lab, from, target.host, target.port, connect_timeout_ms);
    if (reply === expected || performance.now() > until_ms) return reply;
  }
  return reply;
}
