// The one rule for master names, applied by the config parser, the REST API and the Sentinel
// port alike. A name travels in events, hello messages, NATS subjects, log lines and file paths:
// it must read the same everywhere, so no whitespace, no control or invisible formatting
// characters (NUL, ESC, the bidirectional overrides that make `evil\u202Etxt.exe` display
// reversed), and no path separators (`../../etc/passwd`).

/** Longest name, in characters (code points). */
export const MASTER_NAME_LENGTH_MAX = 128;

/** Control (Cc), format (Cf: bidi overrides, zero-width), separators (Z*), and other whitespace. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Z}\s]/u;

/** Why `name` is not a valid master name, or null when it is. */
export function masterNameProblem(name: string): string | null {
  const length = Array.from(name).length;
  if (length < 1 || length > MASTER_NAME_LENGTH_MAX) {
    return `a master name has 1 to ${MASTER_NAME_LENGTH_MAX} characters`;
  }
  if (FORBIDDEN.test(name)) return "a master name has no spaces, control or formatting characters";
  if (/[/\\]/.test(name)) return "a master name has no / or \\";
  if (name === "." || name === "..") return 'a master name is not "." or ".."';
  return null;
}

export function isValidMasterName(name: string): boolean {
  return masterNameProblem(name) === null;
}
