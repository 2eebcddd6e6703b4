// Data-node status reports -> the core's `node_report` inputs, and the directory that maps a Redis
// address to the data-node beside it (used to address node commands).
import type { Address, NodeReport } from "@sentinel-plane/core";
import { allNodeStatusSubject, decodeNodeStatus } from "@sentinel-plane/protocol";
import type { NodeStatusReport } from "@sentinel-plane/protocol";
import { toNodeReport } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { NodeDirectory } from "./node-commander.js";
import { addressKey } from "@sentinel-plane/core";

export interface StatusIntakeOptions {
  readonly cluster_id: string;
  /** Bound on remembered data-nodes; beyond it the oldest-seen entry is forgotten. */
  readonly nodes_max: number;
  readonly deliver: (report: NodeReport) => void;
  readonly on_malformed: (subject: string, code: string, reason: string) => void;
}

export class StatusIntake implements NodeDirectory {
  readonly #options: StatusIntakeOptions;
  /** `host:port` -> data-node id, most recently reported last (Map keeps insertion order). */
  readonly #by_address = new Map<string, string>();
  readonly #latest = new Map<string, NodeStatusReport>();

  constructor(options: StatusIntakeOptions) {
    this.#options = options;
  }

  start(nc: NatsConnection): void {
    const subject = allNodeStatusSubject(this.#options.cluster_id);
    nc.subscribe(subject, {
      callback: (error, msg) => {
        if (error !== null) return;
        this.receive(msg.subject, msg.data);
      },
    });
  }

  /** Handles one raw report (public for tests). */
  receive(subject: string, data: Uint8Array | string): void {
    const decoded = decodeNodeStatus(data);
    if (!decoded.ok) {
      this.#options.on_malformed(subject, decoded.error.code, decoded.error.message);
      return;
    }
    const status = decoded.value;
    if (status.cluster_id !== this.#options.cluster_id) return;
    const key = addressKey(status.address);
    this.#by_address.delete(key);
    this.#by_address.set(key, status.node_id);
    this.#latest.set(status.node_id, status);
    while (this.#by_address.size > this.#options.nodes_max) {
      const oldest = this.#by_address.keys().next();
      if (oldest.done === true) break;
      const node = this.#by_address.get(oldest.value);
      this.#by_address.delete(oldest.value);
      if (node !== undefined) this.#latest.delete(node);
    }
    this.#options.deliver(toNodeReport(status));
  }

  nodeFor(address: Address): string | null {
    return this.#by_address.get(addressKey(address)) ?? null;
  }

  /** The latest report of every known data-node (for the APIs). */
  reports(): NodeStatusReport[] {
    return [...this.#latest.values()];
  }
}
