// Formats arguments so that tokenize.ts (and Redis) reads them back unchanged: plain when that is
// unambiguous, otherwise double-quoted with escapes (sds.c sdscatrepr). Redis itself writes some
// values raw (`sentinel auth-pass m a b` after a rewrite is unreadable); we never do.

/** Characters that force quoting: whitespace, quotes, backslash. Control characters too (below). */
const NEEDS_QUOTES = /[\s"'\\]/u;

export function hasControlChar(text: string): boolean {
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function formatArg(arg: string): string {
  if (arg !== "" && !NEEDS_QUOTES.test(arg) && !hasControlChar(arg)) return arg;
  let out = '"';
  for (const c of arg) {
    out += escapeChar(c);
  }
  return `${out}"`;
}

export function formatLine(argv: readonly string[]): string {
  return argv.map(formatArg).join(" ");
}

function escapeChar(c: string): string {
  switch (c) {
    case "\\":
      return "\\\\";
    case '"':
      return '\\"';
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\x07":
      return "\\a";
    case "\b":
      return "\\b";
    default: {
      const code = c.codePointAt(0) ?? 0;
      // Other control characters as \xHH; everything else (UTF-8 included) as is.
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
      return c;
    }
  }
}
