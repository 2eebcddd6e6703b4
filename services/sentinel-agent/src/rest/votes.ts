// Whom each agent last voted for, per master, learnt from the `+vote-for-leader <id> <epoch>`
// events every agent publishes: the core keeps only this agent's own vote. Bounded: one entry per
// (agent, master), at most `entries_max`, oldest dropped first.
import type { WireEventMessage } from "@sentinel-plane/protocol";

export interface Vote {
  readonly leader: string;
  readonly epoch: number;
}

export class VoteBook {
  readonly #votes = new Map<string, Vote>();
  readonly #entries_max: number;

  constructor(entries_max: number) {
    this.#entries_max = entries_max;
  }

  observe(event: WireEventMessage): void {
    if (event.name !== "+vote-for-leader" || event.master_name === null) return;
    const [leader, epoch_text] = event.text.split(" ");
    const epoch = Number(epoch_text);
    if (leader === undefined || leader === "" || !Number.isSafeInteger(epoch) || epoch < 0) return;
    const key = `${event.agent} ${event.master_name}`;
    const known = this.#votes.get(key);
    if (known !== undefined && known.epoch > epoch) return;
    this.#votes.delete(key);
    this.#votes.set(key, { leader, epoch });
    if (this.#votes.size > this.#entries_max) {
      const oldest = this.#votes.keys().next().value;
      if (oldest !== undefined) this.#votes.delete(oldest);
    }
  }

  get(agent: string, master_name: string): Vote | undefined {
    return this.#votes.get(`${agent} ${master_name}`);
  }
}
