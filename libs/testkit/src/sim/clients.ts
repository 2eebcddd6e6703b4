// Simulated clients: a steady writer that sends one write per replication tick to the node it
// believes is the primary. It follows the committed topology record (as ioredis in sentinel mode
// follows +switch-master) after a short delay, and only ever learns newer config epochs. Every
// acknowledged write is handed to the checker with the lineage it landed in; refusals (fenced,
// demoted, down) are counted: during a switchover they are the write pause.
import type { Address, TopologyRecord } from "@sentinel-plane/core";
import type { Checker } from "./checkers.js";
import type { Prng } from "./prng.js";
import { nodeAt, write } from "./redis-model.js";
import type { SimNode } from "./redis-model.js";

/** Clients re-ask the agents this long (at most) after the record changed. */
export const CLIENT_FOLLOW_MAX_MS = 50;

export class Clients {
  view: Address;
  view_epoch = -1;
  acked = 0;
  refused = 0;

  constructor(initial_primary: Address) {
    this.view = initial_primary;
  }

  /** Adopts a committed record unless an older one (late delivery). */
  follow(record: TopologyRecord): void {
    if (record.config_epoch <= this.view_epoch) return;
    this.view_epoch = record.config_epoch;
    this.view = record.primary;
  }

  /** One write of 1-63 bytes to the believed primary. */
  writeOnce(nodes: readonly SimNode[], now_ms: number, rng: Prng, checker: Checker): void {
    const node = nodeAt(nodes, this.view);
    const bytes = rng.range(1, 63);
    if (node !== null && write(node, bytes)) {
      this.acked += 1;
      checker.onAck(now_ms, node);
    } else {
      this.refused += 1;
    }
  }
}
