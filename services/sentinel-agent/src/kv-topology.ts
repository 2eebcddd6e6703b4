// The agent's side of the committed topology (the shared TopologyStore of @sentinel-plane/runtime):
// records encoded for the bucket, compare-and-set commits on the revision the leader read (two
// leaders of different epochs cannot both commit), and the latest record of each master as the
// watch delivered it. Watching the bucket feeds `topology_observed` inputs to every agent.
import { PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import type { ErrorCode } from "@sentinel-plane/protocol";
import { applyOperatorChange } from "@sentinel-plane/core";
import type { OperatorChange, TopologyRecord } from "@sentinel-plane/core";
import type { TopologyHealth, TopologyRead, TopologyStore } from "@sentinel-plane/runtime";
import type {
  CommitOutcome,
  OperatorOutcome,
  TopologyStore as TopologyPort,
} from "@sentinel-plane/agent-shell";

/** Compare-and-set attempts of one operator change before it gives up (each re-reads the record). */
const OPERATOR_ATTEMPTS_MAX = 5;

/** An operator change refused: Sentinel's `ERR` line for RESP, the code and detail for REST. */
function refusal(code: ErrorCode, detail: string): OperatorOutcome {
  return { ok: false, code, message: `ERR ${detail}`, detail };
}

export interface KvTopologyOptions {
  /** A record in the bucket that does not decode (logged and counted by the caller). */
  readonly on_invalid: (master_name: string, reason: string) => void;
}

type Committed = { readonly record: TopologyRecord; readonly revision: number };

export class KvTopology implements TopologyPort {
  readonly #store: TopologyStore;
  readonly #options: KvTopologyOptions;
  readonly #latest = new Map<string, Committed>();

  constructor(store: TopologyStore, options: KvTopologyOptions) {
    this.#store = store;
    this.#options = options;
  }

  health(): TopologyHealth {
    return this.#store.health();
  }

  async commit(record: TopologyRecord, expected_revision: number): Promise<CommitOutcome> {
    const data = JSON.stringify({ v: PROTOCOL_VERSION, type: "topology", ...record });
    const outcome = await this.#store.commit(record.master_name, data, expected_revision);
    if (outcome.ok) return outcome;
    const current = outcome.current === null ? null : this.#committed(record.master_name, outcome.current);
    return current === null ? { ok: false } : { ok: false, current };
  }

  forget(master_name: string, expected_revision: number): Promise<boolean> {
    return this.#store.forget(master_name, expected_revision);
  }

  /**
   * An operator change (core maintenance.ts): read the current record, apply the change, write it
   * back on that revision; a concurrent commit (a failover, another operator) makes it re-read.
   */
  async commitOperator(master_name: string, change: OperatorChange): Promise<OperatorOutcome> {
    for (let attempt = 1; attempt <= OPERATOR_ATTEMPTS_MAX; attempt++) {
      const current = await this.read(master_name);
      if (current === null) {
        return refusal("SP_ERR_UNAVAILABLE", `the record of ${master_name} cannot be read`);
      }
      const changed = applyOperatorChange(current.record, change);
      if (!changed.ok) return refusal("SP_ERR_ADMIN_REFUSED", changed.reason);
      const outcome = await this.commit(changed.record, current.revision);
      if (outcome.ok) return { ok: true, record: changed.record, revision: outcome.revision };
    }
    return refusal(
      "SP_ERR_UNAVAILABLE",
      `the record of ${master_name} kept changing: ${OPERATOR_ATTEMPTS_MAX} attempts failed`,
    );
  }

  /**
   * The record of a master as the watch last delivered it (JetStream pushes every update, ours
   * included), without a round trip; null before the watch delivered one for it.
   */
  latest(master_name: string): Committed | null {
    return this.#latest.get(master_name) ?? null;
  }

  /** The current record of a master, or null when absent, unreadable or invalid. */
  async read(master_name: string): Promise<Committed | null> {
    const read = await this.#store.read(master_name).catch(() => null);
    return read === null ? null : this.#committed(master_name, read);
  }

  /**
   * Follows every change of the bucket (the latest value of each key first), calling `observe`
   * for each valid record; the store restarts the watch itself. Returns a function that stops it.
   */
  watch(observe: (record: TopologyRecord, revision: number) => void): () => void {
    this.#store.start((master_name, read) => {
      this.#latest.delete(master_name);
      const committed = this.#committed(master_name, read);
      if (committed === null) return;
      this.#latest.set(master_name, committed);
      observe(committed.record, committed.revision);
    });
    return () => {
      this.#store.stop();
    };
  }

  #committed(master_name: string, read: TopologyRead): Committed | null {
    if (read.kind === "absent") return null;
    if (read.kind === "invalid") {
      this.#options.on_invalid(master_name, read.reason);
      return null;
    }
    return { record: read.record, revision: read.revision };
  }
}
