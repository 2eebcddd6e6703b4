// The committed topology in the JetStream KV bucket `sp_<cluster>_topology` (one key per master,
// written by the leading agent with compare-and-set). Reads and watches only: the vip-manager
// never writes it.
import type { KV, KvEntry } from "@nats-io/kv";
import { Kvm } from "@nats-io/kv";
import { jetstream } from "@nats-io/jetstream";
import { withDeadline } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";
import { decodeToken, decodeTopologyRecord, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import type { TopologyPort, TopologyRead } from "./ports.js";

export interface TopologyBucketOptions {
  readonly cluster_id: string;
  /** Timeout of every JetStream request (bucket open, get, consumer set-up). */
  readonly timeout_ms: number;
  /** Used only when this process creates the bucket. */
  readonly replicas: number;
}

/**
 * The settings a creator gives the bucket. Whoever comes first (an agent or a vip-manager)
 * creates it; an existing bucket is opened as it is (Kvm.create looks it up before adding).
 * TODO(protocol): move to libs/protocol so the agents create it with the same settings.
 */
export const TOPOLOGY_BUCKET_HISTORY = 5;
const VALUE_BYTES_MAX = 64 * 1024;

export async function openTopologyBucket(nc: NatsConnection, options: TopologyBucketOptions): Promise<KV> {
  const js = jetstream(nc, { timeout: options.timeout_ms });
  return new Kvm(js).create(topologyBucket(options.cluster_id), {
    timeout: options.timeout_ms,
    history: TOPOLOGY_BUCKET_HISTORY,
    replicas: options.replicas,
    storage: "file",
    maxValueSize: VALUE_BYTES_MAX,
    max_bytes: -1,
    ttl: 0,
  });
}

/** Decodes one KV entry of a master's key. */
export function readEntry(master_name: string, entry: KvEntry | null): TopologyRead {
  if (entry === null || entry.operation !== "PUT") return { kind: "absent" };
  const decoded = decodeTopologyRecord(entry.value);
  if (!decoded.ok) return { kind: "invalid", revision: entry.revision, reason: decoded.error.message };
  if (decoded.value.master_name !== master_name) {
    const reason = `key names ${JSON.stringify(master_name)}, record ${JSON.stringify(decoded.value.master_name)}`;
    return { kind: "invalid", revision: entry.revision, reason };
  }
  return { kind: "record", record: decoded.value, revision: entry.revision };
}

export class KvTopologySource implements TopologyPort {
  readonly #kv: KV;
  readonly #timeout_ms: number;
  #stop_watch: (() => void) | null = null;
  #watch_generation = 0;

  constructor(kv: KV, timeout_ms: number) {
    this.#kv = kv;
    this.#timeout_ms = timeout_ms;
  }

  async read(master_name: string): Promise<TopologyRead> {
    // The client's own timeout applies; this guard bounds anything else that could hang.
    const deadline_ms = this.#timeout_ms + 500;
    const entry = await withDeadline(
      this.#kv.get(topologyKey(master_name)),
      deadline_ms,
      () => new Error(`no answer within ${deadline_ms} ms`),
    );
    return readEntry(master_name, entry);
  }

  watch(on_entry: (master_name: string, read: TopologyRead) => void, on_end: (reason: string) => void): void {
    this.#stopWatch();
    const generation = ++this.#watch_generation;
    let stopped = false;
    let stop_iterator: (() => void) | null = null;
    this.#stop_watch = () => {
      stopped = true;
      stop_iterator?.();
    };
    void (async () => {
      const current = (): boolean => !stopped && generation === this.#watch_generation;
      // The consumer set-up has the JetStream timeout; this bounds anything else. A watch that
      // starts after it is stopped at once.
      const start = { timed_out: false };
      const timer = setTimeout(() => {
        start.timed_out = true;
        if (current()) on_end(`watch did not start within ${this.#timeout_ms + 500} ms`);
      }, this.#timeout_ms + 500);
      try {
        const iterator = await this.#kv.watch();
        clearTimeout(timer);
        if (start.timed_out || !current()) {
          iterator.stop();
          return;
        }
        stop_iterator = () => {
          iterator.stop();
        };
        for await (const entry of iterator) {
          const name = decodeToken(entry.key);
          if (!name.ok) continue;
          on_entry(name.value, readEntry(name.value, entry));
        }
        if (current()) on_end("watch ended");
      } catch (error) {
        clearTimeout(timer);
        if (current() && !start.timed_out) on_end(error instanceof Error ? error.message : String(error));
      }
    })();
  }

  stop(): void {
    this.#stopWatch();
  }

  #stopWatch(): void {
    this.#stop_watch?.();
    this.#stop_watch = null;
  }
}
