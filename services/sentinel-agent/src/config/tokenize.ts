// Splits sentinel.conf text the way Redis does (config.c loadServerConfigFromString + sds.c
// sdssplitargs), so a file Redis accepts tokenises to the same arguments here:
// - lines split on "\n", then trimmed of " \t\r\n"; a line whose first character is "#" is a
//   comment (a "#" later in a line is an ordinary argument, as in Redis: `port 1 # x` has 4 args);
// - arguments separated by whitespace; "..." with \xHH, \n \r \t \b \a and \<char> escapes;
//   '...' with only \' as escape; a closing quote must be followed by whitespace or the end.
// Escapes produce bytes; each argument is decoded as UTF-8 at its end.

export type LineTokens =
  | { readonly kind: "blank" }
  | { readonly kind: "comment" }
  | { readonly kind: "args"; readonly argv: readonly string[] }
  | { readonly kind: "error"; readonly reason: string };

export interface SourceLine {
  /** 1-based, as Redis reports it. */
  readonly line: number;
  /** The line as written (without its "\n"; a trailing "\r" kept), for verbatim rewriting. */
  readonly text: string;
  readonly tokens: LineTokens;
}

/** Characters C's isspace() accepts (sdssplitargs skips these between arguments). */
const C_SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);
/** Characters that end an unquoted argument in sdssplitargs (a narrower set than isspace). */
const ARG_END = new Set([" ", "\n", "\r", "\t"]);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function splitConfigLines(text: string): SourceLine[] {
  // A final "\n" does not start another line (Redis' split yields an empty last element, which
  // it skips as blank; dropping it keeps line numbers and the writer's output identical).
  const raw = text.split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  return raw.map((line_text, index) => ({
    line: index + 1,
    text: line_text,
    tokens: tokenizeLine(line_text),
  }));
}

export function tokenizeLine(line_text: string): LineTokens {
  const trimmed = trimRedis(line_text);
  if (trimmed === "") return { kind: "blank" };
  if (trimmed.startsWith("#")) return { kind: "comment" };
  if (trimmed.includes("\0")) return { kind: "error", reason: "line contains a NUL character" };
  return splitArgs(trimmed);
}

/** sdstrim(line, " \t\r\n"). */
function trimRedis(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && " \t\r\n".includes(s.charAt(start))) start++;
  while (end > start && " \t\r\n".includes(s.charAt(end - 1))) end--;
  return s.slice(start, end);
}

const HEX = /^[0-9a-fA-F]{2}$/;

function splitArgs(line: string): LineTokens {
  const argv: string[] = [];
  const chars = Array.from(line); // code points, so a multi-byte character stays whole
  let p = 0;
  // Each iteration consumes at least one character, so the loop is bounded by the line length.
  while (p < chars.length) {
    while (p < chars.length && C_SPACE.has(chars[p] ?? "")) p++;
    if (p >= chars.length) break;
    const bytes: number[] = [];
    let quote: '"' | "'" | null = null;
    let done = false;
    while (!done) {
      const c = chars[p];
      const next = chars[p + 1];
      if (quote === '"') {
        if (c === undefined) return { kind: "error", reason: 'unbalanced quotes (missing closing ")' };
        const hex = `${chars[p + 2] ?? ""}${chars[p + 3] ?? ""}`;
        if (c === "\\" && next === "x" && HEX.test(hex)) {
          bytes.push(parseInt(hex, 16));
          p += 3;
        } else if (c === "\\" && next !== undefined) {
          p++;
          pushChar(bytes, unescape(next));
        } else if (c === '"') {
          const glued = closingQuoteError(next);
          if (glued !== null) return glued;
          done = true;
        } else {
          pushChar(bytes, c);
        }
      } else if (quote === "'") {
        if (c === undefined) return { kind: "error", reason: "unbalanced quotes (missing closing ')" };
        if (c === "\\" && next === "'") {
          p++;
          bytes.push(0x27);
        } else if (c === "'") {
          const glued = closingQuoteError(next);
          if (glued !== null) return glued;
          done = true;
        } else {
          pushChar(bytes, c);
        }
      } else if (c === undefined || ARG_END.has(c)) {
        done = true;
      } else if (c === '"' || c === "'") {
        quote = c;
      } else {
        pushChar(bytes, c);
      }
      if (p < chars.length) p++;
    }
    const decoded = decodeArg(bytes);
    if (decoded === null)
      return { kind: "error", reason: "an argument is not valid UTF-8 after \\x escapes" };
    argv.push(decoded);
  }
  return { kind: "args", argv };
}

/** Either quote, as sdssplitargs: what follows a closing quote must be a space or the line's end. */
function closingQuoteError(next: string | undefined): LineTokens | null {
  if (next === undefined || C_SPACE.has(next)) return null;
  return { kind: "error", reason: "closing quote must be followed by a space or the end of the line" };
}

function unescape(c: string): string {
  switch (c) {
    case "n":
      return "\n";
    case "r":
      return "\r";
    case "t":
      return "\t";
    case "b":
      return "\b";
    case "a":
      return "\x07";
    default:
      return c;
  }
}

function pushChar(bytes: number[], c: string): void {
  for (const b of encoder.encode(c)) bytes.push(b);
}

function decodeArg(bytes: readonly number[]): string | null {
  try {
    return decoder.decode(new Uint8Array(bytes));
  } catch {
    return null;
  }
}
