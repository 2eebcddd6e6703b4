// The Sentinel port bound as the process starts, before the agent's modules load and NATS is
// reached: Redis Sentinel listens ~0.1 s after its start, the agent's start takes 2-3 s (more on a
// loaded machine), and a client that connects meanwhile (a test harness's PING, a supervisor's
// check) was refused. Connections made during the start are held unread (their requests wait in
// the kernel) until the RespServer adopts the port, then served in arrival order: a slow first
// reply instead of "connection refused". Only the plain port; TLS ports bind with the server.
import { readFileSync } from "node:fs";
import { createServer, isIP } from "node:net";
import type { Server, Socket } from "node:net";

/** Redis's maxclients default: more held connections than this are closed. */
const HELD_MAX = 10_000;

export class EarlyPort {
  readonly #server: Server;
  readonly host: string;
  readonly port: number;
  #held: Socket[] = [];
  #accept: ((socket: Socket) => void) | null = null;

  private constructor(server: Server, host: string, port: number) {
    this.#server = server;
    this.host = host;
    this.port = port;
    server.on("connection", (socket) => {
      socket.on("error", () => undefined);
      if (this.#accept !== null) {
        socket.resume();
        this.#accept(socket);
      } else if (this.#held.length < HELD_MAX) this.#held.push(socket);
      else socket.destroy();
    });
    server.on("error", () => undefined);
  }

  /** Binds `host:port`; null when it cannot (the agent's own bind then reports why). */
  static bind(host: string, port: number): Promise<EarlyPort | null> {
    // Paused: nothing is read before the agent can parse and answer it.
    const server = createServer({ pauseOnConnect: true });
    return new Promise((resolve) => {
      server.once("error", () => {
        resolve(null);
      });
      server.listen(port, host, () => {
        resolve(new EarlyPort(server, host, port));
      });
    });
  }

  /** The listening server, handed to the RespServer with every connection held so far. */
  adopt(accept: (socket: Socket) => void): Server {
    if (this.#accept !== null) throw new Error("EarlyPort: adopted twice");
    this.#accept = accept;
    const held = this.#held;
    this.#held = [];
    for (const socket of held) {
      if (socket.destroyed) continue;
      socket.resume();
      accept(socket);
    }
    return this.#server;
  }

  /** Releases the port (the agent did not start, or binds elsewhere). */
  close(): Promise<void> {
    for (const socket of this.#held) socket.destroy();
    this.#held = [];
    return new Promise((resolve) => {
      this.#server.close(() => {
        resolve();
      });
    });
  }
}

/**
 * The plain Sentinel port and first bind address as sentinel.conf and SP_SENTINEL_PORT give
 * them, read without the config loader (not loaded yet); null when unsure (an `include`, a bind
 * address that is not a plain IP, `port 0`): the agent then binds as before. The RespServer
 * adopts the early port only if it matches what the loader decided.
 */
export function peekSentinelPort(
  config_path: string,
  env: NodeJS.ProcessEnv,
): { readonly host: string; readonly port: number } | null {
  let text: string;
  try {
    text = readFileSync(config_path, "utf8");
  } catch {
    return null;
  }
  let port = 26379;
  let host = "0.0.0.0";
  for (const line of text.split("\n")) {
    const words = line.trim().split(/\s+/);
    const directive = words[0]?.toLowerCase();
    if (directive === "include") return null;
    if (directive === "port") port = Number(words[1]);
    if (directive === "bind") host = words[1] ?? "";
  }
  const from_env = env["SP_SENTINEL_PORT"];
  if (from_env !== undefined) port = Number(from_env);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || isIP(host) === 0) return null;
  return { host, port };
}
