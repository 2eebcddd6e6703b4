// Colour for people, plain text for pipes: ANSI colours only when stdout is a terminal, never
// when NO_COLOR is set to anything but "" (https://no-color.org) or TERM is "dumb".

export interface Palette {
  readonly ok: (text: string) => string;
  readonly bad: (text: string) => string;
  readonly warn: (text: string) => string;
  readonly strong: (text: string) => string;
  readonly dim: (text: string) => string;
}

export function colourWanted(
  stream: { readonly isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  const no_color = env["NO_COLOR"];
  if (no_color !== undefined && no_color !== "") return false;
  if (env["TERM"] === "dumb") return false;
  return stream.isTTY === true;
}

const sgr =
  (code: string) =>
  (text: string): string =>
    text === "" ? text : `\x1b[${code}m${text}\x1b[0m`;
const same = (text: string): string => text;

export const PLAIN: Palette = { ok: same, bad: same, warn: same, strong: same, dim: same };
export const ANSI: Palette = {
  ok: sgr("32"),
  bad: sgr("31"),
  warn: sgr("33"),
  strong: sgr("1"),
  dim: sgr("2"),
};

export function paletteFor(on: boolean): Palette {
  return on ? ANSI : PLAIN;
}

/** The width a terminal shows (escape sequences take none). */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex -- the escape character is what is matched
  return text.replace(/\x1b\[[0-9;]*m/g, "").length;
}
