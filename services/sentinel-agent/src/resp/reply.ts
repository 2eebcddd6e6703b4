// Reply values and their RESP2/RESP3 encoding. Commands build `Reply` trees; the connection
// encodes them for the protocol the client chose with HELLO. Maps, pushes and nulls are the
// only types whose wire form depends on the protocol (RESP2 flattens maps into arrays).

export type Reply =
  | { readonly type: "simple"; readonly value: string }
  /** Full error line without `-`: `ERR ...`, `NOAUTH ...`, `NOGOODSLAVE ...`. */
  | { readonly type: "error"; readonly value: string }
  | { readonly type: "integer"; readonly value: number }
  /** RESP2 a bulk string, RESP3 `,`; printed as Redis's `%.17g` (addReplyDouble). */
  | { readonly type: "double"; readonly value: number }
  | { readonly type: "bulk"; readonly value: string | Buffer }
  /** RESP2 `$-1`, RESP3 `_`. */
  | { readonly type: "null" }
  /** RESP2 `*-1`, RESP3 `_`. */
  | { readonly type: "null_array" }
  | { readonly type: "array"; readonly items: readonly Reply[] }
  | { readonly type: "map"; readonly entries: readonly (readonly [Reply, Reply])[] }
  /** Pub/sub messages: RESP3 `>`, RESP2 `*`. */
  | { readonly type: "push"; readonly items: readonly Reply[] };

/** Several replies (one per command of a pipeline step), not one reply. */
export function isReplyList(replies: Reply | readonly Reply[]): replies is readonly Reply[] {
  return Array.isArray(replies);
}

export type Protocol = 2 | 3;

export const OK: Reply = { type: "simple", value: "OK" };
export const NULL_BULK: Reply = { type: "null" };

export function simple(value: string): Reply {
  return { type: "simple", value };
}

export function bulk(value: string | Buffer): Reply {
  return { type: "bulk", value };
}

/** Sentinel prints numbers in maps as bulk strings (addReplyBulkLongLong). */
export function bulkNumber(value: number): Reply {
  return { type: "bulk", value: String(Math.trunc(value)) };
}

export function integer(value: number): Reply {
  return { type: "integer", value: Math.trunc(value) };
}

export function double(value: number): Reply {
  return { type: "double", value };
}

/** C's `%.17g`: 17 significant digits, trailing zeros dropped, exponent form as printf uses it. */
export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 17) {
    const [mantissa = "", power = "0"] = value.toExponential(16).split("e");
    const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
    const n = Number(power);
    return `${trimmed}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = value.toPrecision(17);
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

export function array(items: readonly Reply[]): Reply {
  return { type: "array", items };
}

export function bulkArray(items: readonly string[]): Reply {
  return { type: "array", items: items.map(bulk) };
}

export function map(entries: readonly (readonly [string, Reply])[]): Reply {
  return { type: "map", entries: entries.map(([k, v]) => [bulk(k), v] as const) };
}

/** `value` is the whole line after `-`; a leading `-` is dropped, newlines become spaces. */
export function error(value: string): Reply {
  const line = value.startsWith("-") ? value.slice(1) : value;
  return { type: "error", value: line.replace(/[\r\n]+/g, " ") };
}

/** `ERR <message>`, as addReplyError. */
export function errorErr(message: string): Reply {
  return error(`ERR ${message}`);
}

function encodeInto(reply: Reply, protocol: Protocol, out: (string | Buffer)[]): void {
  switch (reply.type) {
    case "simple":
      out.push(`+${reply.value.replace(/[\r\n]+/g, " ")}\r\n`);
      return;
    case "error":
      out.push(`-${reply.value}\r\n`);
      return;
    case "integer":
      out.push(`:${reply.value}\r\n`);
      return;
    case "double": {
      const text = formatDouble(reply.value);
      out.push(protocol === 3 ? `,${text}\r\n` : `$${text.length}\r\n${text}\r\n`);
      return;
    }
    case "bulk": {
      const value = reply.value;
      if (typeof value === "string") {
        out.push(`$${Buffer.byteLength(value)}\r\n${value}\r\n`);
      } else {
        out.push(`$${value.length}\r\n`, value, "\r\n");
      }
      return;
    }
    case "null":
      out.push(protocol === 3 ? "_\r\n" : "$-1\r\n");
      return;
    case "null_array":
      out.push(protocol === 3 ? "_\r\n" : "*-1\r\n");
      return;
    case "array":
    case "push":
      out.push(`${reply.type === "push" && protocol === 3 ? ">" : "*"}${reply.items.length}\r\n`);
      for (const item of reply.items) encodeInto(item, protocol, out);
      return;
    case "map":
      out.push(protocol === 3 ? `%${reply.entries.length}\r\n` : `*${reply.entries.length * 2}\r\n`);
      for (const [key, value] of reply.entries) {
        encodeInto(key, protocol, out);
        encodeInto(value, protocol, out);
      }
      return;
  }
}

export function encodeReply(reply: Reply, protocol: Protocol): Buffer {
  const parts: (string | Buffer)[] = [];
  encodeInto(reply, protocol, parts);
  return Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part) : part)));
}
