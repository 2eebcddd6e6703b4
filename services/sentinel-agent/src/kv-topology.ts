// The committed topology in a JetStream KV bucket: one key per master, updated only with
// compare-and-set on the revision the leader read, so two leaders of different epochs cannot both
// commit. Watching the bucket feeds `topology_observed` inputs to every agent.
import type { KV } from "@nats-io/kv";
import type { TopologyRecord } from "@sentinel-plane/core";
import type { CommitOutcome, TopologyStore } from "./ports.js";

export interface TopologyCodec {
  encode(record: TopologyRecord): string;
  /** Returns null for a value that is not a valid record (logged by the caller). */
  decode(text: string): TopologyRecord | null;
}

export interface KvTopologyOptions {
  readonly key_for: (master_name: string) => string;
  readonly codec: TopologyCodec;
  readonly on_invalid: (key: string, reason: string) => void;
}

export class KvTopology implements TopologyStore {
  readonly #kv: KV;
  readonly #options: KvTopologyOptions;
  readonly #latest = new Map<string, { record: TopologyRecord; revision: number }>();

  constructor(kv: KV, options: KvTopologyOptions) {
    this.#kv = kv;
    this.#options = options;
  }

  async commit(record: TopologyRecord, expected_revision: number): Promise<CommitOutcome> {
    const key = this.#options.key_for(record.master_name);
    const data = this.#options.codec.encode(record);
    try {
      const revision =
        expected_revision === 0
          ? await this.#kv.create(key, data)
          : await this.#kv.update(key, data, expected_revision);
      return { ok: true, revision };
    } catch {
      // Wrong last sequence, or the KV is unreachable: either way the commit did not happen as
      // asked. Report what is there now so the core can adopt a newer record.
      const current = await this.read(record.master_name);
      return current === null ? { ok: false } : { ok: false, current };
    }
  }

  /**
   * The record of a master as the watch last delivered it (JetStream pushes every update, ours
   * included), without a round trip; null before the watch delivered one for it.
   */
  latest(master_name: string): { record: TopologyRecord; revision: number } | null {
    return this.#latest.get(this.#options.key_for(master_name)) ?? null;
  }

  /** The current record of a master, or null when absent, unreadable or invalid. */
  async read(master_name: string): Promise<{ record: TopologyRecord; revision: number } | null> {
    const key = this.#options.key_for(master_name);
    try {
      const entry = await this.#kv.get(key);
      if (entry === null || entry.operation !== "PUT") return null;
      const record = this.#options.codec.decode(entry.string());
      if (record === null) {
        this.#options.on_invalid(key, "not a valid topology record");
        return null;
      }
      return { record, revision: entry.revision };
    } catch {
      return null;
    }
  }

  /**
   * Follows every change of the bucket (the latest value of each key first), calling `observe`
   * for each valid record. Returns a function that stops the watch.
   */
  async watch(observe: (record: TopologyRecord, revision: number) => void): Promise<() => void> {
    const iterator = await this.#kv.watch();
    void (async () => {
      for await (const entry of iterator) {
        this.#latest.delete(entry.key);
        if (entry.operation !== "PUT") continue;
        const record = this.#options.codec.decode(entry.string());
        if (record === null) {
          this.#options.on_invalid(entry.key, "not a valid topology record");
          continue;
        }
        // One entry per key of the bucket (a key per monitored master).
        this.#latest.set(entry.key, { record, revision: entry.revision });
        observe(record, entry.revision);
      }
    })();
    return () => {
      iterator.stop();
    };
  }
}
