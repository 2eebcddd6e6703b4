// What `status --watch` writes for each new reading: on a terminal the screen is cleared and the
// block drawn again from the top-left corner (it stays in place however long it grows or shrinks);
// in a pipe or log a block is written only when it changed, after a blank line.

/** Cursor to the top-left corner, then erase the screen below it. */
export const HOME_AND_CLEAR = "\x1b[H\x1b[J";

export class Redraw {
  readonly #tty: boolean;
  #last: string | null = null;

  constructor(tty: boolean) {
    this.#tty = tty;
  }

  /** The text to write for this block ("" when nothing is to be written). */
  frame(block: string, footer: string): string {
    if (this.#tty) {
      this.#last = block;
      return `${HOME_AND_CLEAR}${block}\n${footer}\n`;
    }
    if (block === this.#last) return "";
    const separator = this.#last === null ? "" : "\n";
    this.#last = block;
    return `${separator}${block}\n`;
  }
}
