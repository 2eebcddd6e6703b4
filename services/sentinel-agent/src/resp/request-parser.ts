// Parses client *requests* (not replies) the way Redis's networking.c does: multibulk
// (`*<n>\r\n$<len>\r\n<bytes>\r\n...`) or inline (`PING hello\r\n`, for telnet/nc), with
// Redis's protocol error texts. Every length is checked against a bound *before* any byte of
// the body is buffered, so `*1\r\n$999999999999\r\n` is refused at once.
//
// Why not a library: the maintained npm RESP parsers are reply parsers for clients.
// `redis-parser` (3.0.0, used by ioredis) rejects inline commands ("Protocol error, got "P" as
// reply type byte"), accepts nested arrays and errors as request elements, buffers a huge
// announced bulk without limit (memory exhaustion) and throws `RangeError: Invalid array length`
// on `*99999999999`. `respjs` (4.2.0) re-parses the whole buffer on every chunk (quadratic) and
// has no bounds either. A server must validate headers before buffering, so this small parser
// (one grammar: arrays of bulk strings, or one inline line) is ours. The serializer is in reply.ts.

export interface RequestLimits {
  /** Longest inline request and longest `*`/`$` header line (Redis: 64 KiB). */
  readonly inline_bytes_max: number;
  /** Largest bulk argument (Redis: proto-max-bulk-len, 512 MiB). */
  readonly bulk_bytes_max: number;
  /** Most arguments in one request (Redis: INT_MAX). */
  readonly multibulk_count_max: number;
  /** Bounds before AUTH when a password is required (Redis 7.2.6+: 10 args, 16 KiB bulks). */
  readonly unauthenticated_multibulk_count_max: number;
  readonly unauthenticated_bulk_bytes_max: number;
  /** Sum of argument bytes of one request: bounds the memory one connection can hold. */
  readonly request_bytes_max: number;
}

export type ParseOutcome =
  | { readonly kind: "request"; readonly argv: readonly Buffer[] }
  /** More bytes are needed. */
  | { readonly kind: "incomplete" }
  /** The stream cannot be resynchronised: reply `-ERR <message>` and close. */
  | { readonly kind: "error"; readonly message: string };

const CR = 13;
const LF = 10;
const INCOMPLETE: ParseOutcome = { kind: "incomplete" };

/** Redis's string2ll: optional '-', digits, no leading zeros or '+', fits in a safe integer. */
export function parseStrictInteger(text: string): number | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

export class RequestParser {
  #buffer: Buffer = Buffer.alloc(0);
  #offset = 0;
  // Multibulk in progress (Redis keeps the same state in the client struct).
  #remaining = 0;
  #bulk_length = -1;
  #args: Buffer[] = [];
  #request_bytes = 0;

  readonly #limits: RequestLimits;
  constructor(limits: RequestLimits) {
    this.#limits = limits;
  }

  /** Bytes received and not yet consumed. */
  get buffered_bytes(): number {
    return this.#buffer.length - this.#offset;
  }

  push(chunk: Buffer): void {
    if (this.#offset >= this.#buffer.length) {
      this.#buffer = chunk;
    } else {
      this.#buffer = Buffer.concat([this.#buffer.subarray(this.#offset), chunk]);
    }
    this.#offset = 0;
  }

  /** The next complete request, or why there is none. `authenticated` selects the bounds. */
  next(authenticated: boolean): ParseOutcome {
    for (;;) {
      if (this.#offset >= this.#buffer.length) return INCOMPLETE;
      if (this.#remaining === 0 && this.#buffer[this.#offset] !== 0x2a /* '*' */) {
        const inline = this.#nextInline();
        if (inline === "skip") continue;
        return inline;
      }
      const outcome = this.#nextMultibulk(authenticated);
      if (outcome === "skip") continue;
      return outcome;
    }
  }

  #nextInline(): ParseOutcome | "skip" {
    const newline = this.#buffer.indexOf(LF, this.#offset);
    if (newline === -1) {
      if (this.buffered_bytes > this.#limits.inline_bytes_max) {
        return { kind: "error", message: "Protocol error: too big inline request" };
      }
      return INCOMPLETE;
    }
    if (newline - this.#offset > this.#limits.inline_bytes_max) {
      return { kind: "error", message: "Protocol error: too big inline request" };
    }
    let end = newline;
    if (end > this.#offset && this.#buffer[end - 1] === CR) end--;
    const line = this.#buffer.subarray(this.#offset, end);
    this.#offset = newline + 1;
    const argv = splitInlineArgs(line);
    if (argv === null) return { kind: "error", message: "Protocol error: unbalanced quotes in request" };
    if (argv.length === 0) return "skip"; // an empty line, as Redis: no reply
    return { kind: "request", argv };
  }

  /** Reads a `<prefix><integer>\r\n` header at the offset; null when the line is incomplete. */
  #readHeader(tooBigMessage: string): { value: string } | { error: string } | null {
    const cr = this.#buffer.indexOf(CR, this.#offset);
    if (cr === -1 || cr + 1 >= this.#buffer.length) {
      if (this.buffered_bytes > this.#limits.inline_bytes_max) return { error: tooBigMessage };
      return null;
    }
    if (cr - this.#offset > this.#limits.inline_bytes_max) return { error: tooBigMessage };
    const value = this.#buffer.toString("latin1", this.#offset + 1, cr);
    this.#offset = cr + 2;
    return { value };
  }

  #nextMultibulk(authenticated: boolean): ParseOutcome | "skip" {
    if (this.#remaining === 0) {
      const header = this.#readHeader("Protocol error: too big mbulk count string");
      if (header === null) return INCOMPLETE;
      if ("error" in header) return { kind: "error", message: header.error };
      const count = parseStrictInteger(header.value);
      if (count === null || count > this.#limits.multibulk_count_max) {
        return { kind: "error", message: "Protocol error: invalid multibulk length" };
      }
      if (!authenticated && count > this.#limits.unauthenticated_multibulk_count_max) {
        return { kind: "error", message: "Protocol error: unauthenticated multibulk length" };
      }
      if (count <= 0) return "skip"; // `*0` and `*-1` are ignored, as Redis does
      this.#remaining = count;
      this.#args = [];
      this.#request_bytes = 0;
      this.#bulk_length = -1;
    }
    while (this.#remaining > 0) {
      if (this.#bulk_length === -1) {
        if (this.#offset >= this.#buffer.length) return INCOMPLETE;
        const type = this.#buffer[this.#offset];
        if (type !== 0x24 /* '$' */) {
          return {
            kind: "error",
            message: `Protocol error: expected '$', got '${String.fromCharCode(type ?? 0)}'`,
          };
        }
        const header = this.#readHeader("Protocol error: too big bulk count string");
        if (header === null) return INCOMPLETE;
        if ("error" in header) return { kind: "error", message: header.error };
        const length = parseStrictInteger(header.value);
        if (length === null || length < 0 || length > this.#limits.bulk_bytes_max) {
          return { kind: "error", message: "Protocol error: invalid bulk length" };
        }
        if (!authenticated && length > this.#limits.unauthenticated_bulk_bytes_max) {
          return { kind: "error", message: "Protocol error: unauthenticated bulk length" };
        }
        this.#request_bytes += length;
        if (this.#request_bytes > this.#limits.request_bytes_max) {
          return { kind: "error", message: "Protocol error: request too big" };
        }
        this.#bulk_length = length;
      }
      // The body and its trailing CRLF (skipped unchecked, as Redis does).
      if (this.buffered_bytes < this.#bulk_length + 2) return INCOMPLETE;
      const start = this.#offset;
      // Copy: the argument must not pin the (possibly large) receive buffer.
      this.#args.push(Buffer.from(this.#buffer.subarray(start, start + this.#bulk_length)));
      this.#offset = start + this.#bulk_length + 2;
      this.#bulk_length = -1;
      this.#remaining--;
    }
    const argv = this.#args;
    this.#args = [];
    return { kind: "request", argv };
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0b || byte === 0x0c;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  return -1;
}

const ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, r: 0x0d, t: 0x09, b: 0x08, a: 0x07 };

/**
 * Redis's sdssplitargs: whitespace-separated words, "double quotes" with \n \r \t \b \a \xHH
 * escapes, 'single quotes' with only \' escaped. A closing quote must be followed by a space.
 * Returns null on unbalanced quotes.
 */
export function splitInlineArgs(line: Buffer): Buffer[] | null {
  const args: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i] ?? 0)) i++;
    if (i >= n) return args;
    const current: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = i < n ? (line[i] ?? 0) : -1;
      if (inDouble) {
        if (c === -1) return null;
        const next = line[i + 1] ?? 0;
        if (
          c === 0x5c /* \ */ &&
          next === 0x78 /* x */ &&
          hexValue(line[i + 2] ?? 0) >= 0 &&
          hexValue(line[i + 3] ?? 0) >= 0
        ) {
          current.push(hexValue(line[i + 2] ?? 0) * 16 + hexValue(line[i + 3] ?? 0));
          i += 3;
        } else if (c === 0x5c && i + 1 < n) {
          i++;
          current.push(ESCAPES[String.fromCharCode(next)] ?? next);
        } else if (c === 0x22 /* " */) {
          if (i + 1 < n && !isSpace(next)) return null;
          done = true;
        } else {
          current.push(c);
        }
      } else if (inSingle) {
        if (c === -1) return null;
        const next = line[i + 1] ?? 0;
        if (c === 0x5c && next === 0x27 /* ' */) {
          i++;
          current.push(0x27);
        } else if (c === 0x27) {
          if (i + 1 < n && !isSpace(next)) return null;
          done = true;
        } else {
          current.push(c);
        }
      } else if (c === -1 || isSpace(c)) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        current.push(c);
      }
      if (i < n) i++;
    }
    args.push(Buffer.from(current));
  }
}
