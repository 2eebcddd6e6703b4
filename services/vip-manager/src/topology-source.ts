// The committed topology in the JetStream KV bucket `sp_<cluster>_topology` (one key per master,
// written by the leading agent with compare-and-set), through the shared TopologyStore of
// @sentinel-plane/runtime: it opens (creates, checks) the bucket and restarts its watch with a
// bounded, logged back-off. Reads and watches only: the vip-manager never writes it.
import { withDeadline } from "@sentinel-plane/runtime";
import type { TopologyRead as StoreRead, TopologyStore } from "@sentinel-plane/runtime";
import type { TopologyPort, TopologyRead } from "@sentinel-plane/vip-shell";

/** The store's read in the vip-manager's terms (an absent key carries no revision here). */
export function toTopologyRead(read: StoreRead): TopologyRead {
  return read.kind === "absent" ? { kind: "absent" } : read;
}

export class KvTopologySource implements TopologyPort {
  readonly #store: TopologyStore;
  readonly #timeout_ms: number;
  #on_entry: ((master_name: string, read: TopologyRead) => void) | null = null;
  /** What the store delivered before the first watch(): handed over then, latest per master. */
  readonly #early = new Map<string, TopologyRead>();

  /** Starts the store: it opens the bucket and follows it from now on. */
  constructor(store: TopologyStore, timeout_ms: number) {
    this.#store = store;
    this.#timeout_ms = timeout_ms;
    store.start((master_name, read) => {
      const converted = toTopologyRead(read);
      if (this.#on_entry === null) this.#early.set(master_name, converted);
      else this.#on_entry(master_name, converted);
    });
  }

  /** True once the bucket is open and followed. */
  get watching(): boolean {
    return this.#store.health().watching;
  }

  async read(master_name: string): Promise<TopologyRead> {
    // The client's own timeout applies; this guard bounds anything else that could hang.
    const deadline_ms = this.#timeout_ms + 500;
    const read = await withDeadline(
      this.#store.read(master_name),
      deadline_ms,
      () => new Error(`no answer within ${deadline_ms} ms`),
    );
    return toTopologyRead(read);
  }

  /**
   * Follows every key of the bucket. The store restarts its own watch (and replays the current
   * values when it does), so a later call only replaces the callback; `on_end` is never called.
   */
  watch(
    on_entry: (master_name: string, read: TopologyRead) => void,
    _on_end: (reason: string) => void,
  ): void {
    this.#on_entry = on_entry;
    for (const [master_name, read] of this.#early) on_entry(master_name, read);
    this.#early.clear();
  }

  stop(): void {
    this.#on_entry = null;
    this.#store.stop();
  }
}
