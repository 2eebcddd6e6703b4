// Test support: a raw TCP client that sends requests (or arbitrary bytes) and decodes replies
// with their RESP types kept (simple vs bulk, map vs array, push), which client libraries hide.
// Used by the server tests and the differential harness against a real redis-sentinel.
import { connect } from "node:net";
import type { Socket } from "node:net";

export type Decoded =
  | { readonly type: "simple" | "error" | "bulk" | "verbatim" | "double" | "bignum"; readonly value: string }
  | { readonly type: "integer"; readonly value: number }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "null" | "null_bulk" | "null_array" }
  | { readonly type: "array" | "push" | "set"; readonly items: readonly Decoded[] }
  | { readonly type: "map"; readonly entries: readonly (readonly [Decoded, Decoded])[] };

/** Decodes one reply at `offset`; null when incomplete. */
export function decodeReply(buffer: Buffer, offset: number): { value: Decoded; next: number } | null {
  const lineEnd = buffer.indexOf("\r\n", offset);
  if (lineEnd === -1) return null;
  const prefix = String.fromCharCode(buffer[offset] ?? 0);
  const line = buffer.toString("utf8", offset + 1, lineEnd);
  const after = lineEnd + 2;
  const aggregate = (
    count: number,
    type: "array" | "push" | "set",
  ): { value: Decoded; next: number } | null => {
    const items: Decoded[] = [];
    let next = after;
    for (let i = 0; i < count; i++) {
      const item = decodeReply(buffer, next);
      if (item === null) return null;
      items.push(item.value);
      next = item.next;
    }
    return { value: { type, items }, next };
  };
  switch (prefix) {
    case "+":
      return { value: { type: "simple", value: line }, next: after };
    case "-":
      return { value: { type: "error", value: line }, next: after };
    case ":":
      return { value: { type: "integer", value: Number(line) }, next: after };
    case "_":
      return { value: { type: "null" }, next: after };
    case "#":
      return { value: { type: "boolean", value: line === "t" }, next: after };
    case ",":
      return { value: { type: "double", value: line }, next: after };
    case "(":
      return { value: { type: "bignum", value: line }, next: after };
    case "$":
    case "=": {
      const length = Number(line);
      if (length < 0) return { value: { type: "null_bulk" }, next: after };
      if (buffer.length < after + length + 2) return null;
      return {
        value: {
          type: prefix === "$" ? "bulk" : "verbatim",
          value: buffer.toString("utf8", after, after + length),
        },
        next: after + length + 2,
      };
    }
    case "*":
    case ">":
    case "~": {
      const count = Number(line);
      if (count < 0) return { value: { type: "null_array" }, next: after };
      return aggregate(count, prefix === "*" ? "array" : prefix === ">" ? "push" : "set");
    }
    case "%": {
      const flat = aggregate(Number(line) * 2, "array");
      if (flat === null || flat.value.type !== "array") return null;
      return { value: { type: "map", entries: pairsOf(flat.value.items) }, next: flat.next };
    }
    default:
      throw new Error(`decodeReply: unknown type byte ${JSON.stringify(prefix)}`);
  }
}

/** A RESP3 map's flat items as key/value pairs. */
function pairsOf(items: readonly Decoded[]): [Decoded, Decoded][] {
  const entries: [Decoded, Decoded][] = [];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = items[i];
    const value = items[i + 1];
    if (key !== undefined && value !== undefined) entries.push([key, value]);
  }
  return entries;
}

export function encodeRequest(argv: readonly string[]): Buffer {
  return Buffer.from(
    `*${argv.length}\r\n${argv.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`,
  );
}

export class RawClient {
  #buffer = Buffer.alloc(0);
  readonly #decoded: Decoded[] = [];
  #waiter: (() => void) | null = null;
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      for (;;) {
        const result = decodeReply(this.#buffer, 0);
        if (result === null) break;
        this.#decoded.push(result.value);
        this.#buffer = this.#buffer.subarray(result.next);
      }
      this.#wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
    socket.on("error", () => undefined);
  }

  static async open(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const socket = connect(port, host);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawClient(socket);
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  send(argv: readonly string[]): void {
    this.socket.write(encodeRequest(argv));
  }

  sendRaw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Waits for `count` more replies (or the close), up to a generous deadline. */
  async replies(count: number, deadline_ms = 5000): Promise<Decoded[]> {
    const until = Date.now() + deadline_ms;
    while (this.#decoded.length < count && !this.closed) {
      const left = until - Date.now();
      if (left <= 0)
        throw new Error(`RawClient: ${this.#decoded.length}/${count} replies before the deadline`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (this.#decoded.length < count)
      throw new Error(`RawClient: connection closed after ${this.#decoded.length}/${count} replies`);
    return this.#decoded.splice(0, count);
  }

  async call(argv: readonly string[]): Promise<Decoded> {
    this.send(argv);
    const [reply] = await this.replies(1);
    if (reply === undefined) throw new Error("RawClient: no reply");
    return reply;
  }

  /** Resolves when the server closed the connection (deadline: rejects). */
  async waitClosed(deadline_ms = 5000): Promise<void> {
    const until = Date.now() + deadline_ms;
    while (!this.closed) {
      const left = until - Date.now();
      if (left <= 0) throw new Error("RawClient: still open at the deadline");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
