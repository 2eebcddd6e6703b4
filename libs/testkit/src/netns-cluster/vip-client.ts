// A client writing through the VIP, run inside the client namespace:
//   node --import tsx vip-client.ts <host> <port> <interval_ms> <connect_timeout_ms>
//        <reply_timeout_ms> <run_max_ms>
// One connection at a time, one command in flight: SET vip:<seq> <seq> every interval. A
// connection that fails or does not answer within the timeouts is dropped and opened again;
// an error reply (-READONLY, -NOREPLICAS) keeps it. After each connect it reads INFO's run_id,
// so every acknowledged write names the server that took it. Plain RESP over a socket: no
// client library's reconnect or retry policy sits between the test and what the network does.
// stdout, one JSON line each: {"type":"connected","run_id","t_ms"}, {"type":"ack","seq","run_id",
// "t_ms"}, {"type":"fail","reason","t_ms"} (only when the reason changes: the output stays small).
import { connect } from "node:net";
import type { Socket } from "node:net";
import type { Reply } from "./resp-wire.js";
import { encodeCommand, parseReply } from "./resp-wire.js";
import { wallClock_ms } from "./wall-clock.js";

class Connection {
  #buffer = Buffer.alloc(0);
  #pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null = null;
  #failure: Error | null = null;

  readonly #socket: Socket;
  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      const parsed = parseReply(this.#buffer);
      if (parsed === null || this.#pending === null) return;
      this.#buffer = this.#buffer.subarray(parsed.used);
      const pending = this.#pending;
      this.#pending = null;
      pending.resolve(parsed.reply);
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      const pending = this.#pending;
      this.#pending = null;
      pending?.reject(error);
    };
    socket.on("error", fail);
    socket.on("close", () => {
      fail(new Error("ECLOSED"));
    });
  }

  static open(host: string, port: number, timeout_ms: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error("ECONNECT_TIMEOUT"));
      }, timeout_ms);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(new Connection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      });
    });
  }

  command(args: readonly string[], timeout_ms: number): Promise<Reply> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending = null;
        reject(new Error("EREPLY_TIMEOUT"));
      }, timeout_ms);
      this.#pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.#socket.destroy();
  }
}

function print(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, t_ms: wallClock_ms() })}\n`);
}

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}

async function run(argv: readonly string[]): Promise<void> {
  const [host, port, interval_ms, connect_timeout_ms, reply_timeout_ms, run_max_ms] = argv;
  const numbers = [port, interval_ms, connect_timeout_ms, reply_timeout_ms, run_max_ms].map(Number);
  if (host === undefined || numbers.some((n) => !Number.isInteger(n) || n <= 0)) {
    process.stderr.write(
      "usage: vip-client.ts <host> <port> <interval_ms> <connect_timeout_ms> <reply_timeout_ms> <run_max_ms>\n",
    );
    process.exit(2);
  }
  const [port_n = 0, interval = 0, connect_timeout = 0, reply_timeout = 0, run_max = 0] = numbers;
  const until_ms = performance.now() + run_max;
  let connection: Connection | null = null;
  let run_id = "";
  let seq = 0;
  let last_reason = "";
  const failed = (reason: string): void => {
    if (reason !== last_reason) print({ type: "fail", reason });
    last_reason = reason;
  };
  while (performance.now() < until_ms) {
    try {
      if (connection === null) {
        connection = await Connection.open(host, port_n, connect_timeout);
        const info = await connection.command(["INFO", "server"], reply_timeout);
        run_id = /run_id:([0-9a-f]+)/.exec(info.text ?? "")?.[1] ?? "unknown";
        print({ type: "connected", run_id });
      }
      seq++;
      const reply = await connection.command(["SET", `vip:${seq}`, String(seq)], reply_timeout);
      if (reply.kind === "error") {
        failed((reply.text ?? "").split(" ")[0] ?? "ERR");
      } else {
        print({ type: "ack", seq, run_id });
        last_reason = "";
      }
    } catch (error) {
      connection?.close();
      connection = null;
      failed(reasonOf(error));
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
  connection?.close();
}

await run(process.argv.slice(2));
