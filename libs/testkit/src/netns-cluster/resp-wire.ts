// The few RESP2 replies the VIP client meets (simple, error, integer, bulk) and command
// encoding: enough to write through a VIP without a client library in between.

export interface Reply {
  readonly kind: "simple" | "error" | "integer" | "bulk";
  readonly text: string | null;
}

const CR_LF = "\r\n";

/** One complete reply at the start of the buffer, or null when more bytes are needed. */
export function parseReply(buffer: Buffer): { reply: Reply; used: number } | null {
  const end = buffer.indexOf(CR_LF);
  if (end < 0) return null;
  const head = buffer.toString("utf8", 1, end);
  switch (String.fromCharCode(buffer[0] ?? 0)) {
    case "+":
      return { reply: { kind: "simple", text: head }, used: end + 2 };
    case "-":
      return { reply: { kind: "error", text: head }, used: end + 2 };
    case ":":
      return { reply: { kind: "integer", text: head }, used: end + 2 };
    case "$": {
      const length = Number(head);
      if (length < 0) return { reply: { kind: "bulk", text: null }, used: end + 2 };
      const start = end + 2;
      if (buffer.length < start + length + 2) return null;
      return {
        reply: { kind: "bulk", text: buffer.toString("utf8", start, start + length) },
        used: start + length + 2,
      };
    }
    default:
      throw new Error(`unexpected reply: ${JSON.stringify(head)}`);
  }
}

export function encodeCommand(args: readonly string[]): string {
  return `*${args.length}${CR_LF}${args.map((a) => `$${Buffer.byteLength(a)}${CR_LF}${a}${CR_LF}`).join("")}`;
}
