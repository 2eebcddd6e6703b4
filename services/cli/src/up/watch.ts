// The live topology summary of `up`: read every period_ms (one read in flight at most) from an
// agent's REST API, or its Sentinel port while REST does not answer. On a terminal the block is
// redrawn in place; in a pipe or log a new block is printed only when it changed.
import type { Endpoint } from "../client/agents.js";
import { readTopology } from "../client/topology.js";
import { describeError } from "../errors.js";
import { summaryLine } from "../render/topology.js";

export interface WatchOptions {
  readonly endpoints: readonly Endpoint[];
  readonly period_ms: number;
  readonly tty: boolean;
  readonly write: (text: string) => void;
}

export class TopologyWatch {
  readonly #options: WatchOptions;
  #timer: NodeJS.Timeout | null = null;
  #busy = false;
  #last = "";
  #drawn_lines = 0;

  constructor(options: WatchOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== null) return;
    void this.#refresh();
    this.#timer = setInterval(() => {
      void this.#refresh();
    }, this.#options.period_ms);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Call before printing anything else, so the next block is not drawn over it. */
  detach(): void {
    this.#drawn_lines = 0;
  }

  async #refresh(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const block = await this.#read();
      if (this.#timer === null) return;
      this.#show(block);
    } finally {
      this.#busy = false;
    }
  }

  async #read(): Promise<string> {
    try {
      const answer = await readTopology(this.#options.endpoints);
      const lines = answer.value.masters.map(summaryLine);
      return [`topology (via ${answer.via}):`, ...(lines.length > 0 ? lines : ["no masters"])].join("\n");
    } catch (error) {
      return `topology: unavailable (${describeError(error).split("\n")[0] ?? ""})`;
    }
  }

  #show(block: string): void {
    const { tty, write } = this.#options;
    if (!tty) {
      // Timestamps would make every block differ: print only changes.
      if (block !== this.#last) write(`${block}\n`);
      this.#last = block;
      return;
    }
    const stamp = new Date().toISOString().slice(11, 19);
    const text = `${block}\n(${stamp}, Ctrl-C stops the cluster)\n`;
    const erase = this.#drawn_lines > 0 ? `\x1b[${this.#drawn_lines}A\x1b[J` : "";
    write(erase + text);
    this.#drawn_lines = text.split("\n").length - 1;
    this.#last = block;
  }
}
