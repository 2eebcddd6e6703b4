// Follows the committed topology of this data-node's master: JetStream KV bucket
// topologyBucket(cluster), key topologyKey(master_name). The bucket is created when missing (with
// explicit options; an existing bucket is used as it is). A watch delivers changes at once; a
// periodic read covers a watch that stalled across a NATS outage. The KV being unavailable
// (JetStream off, NATS down, timeouts) is logged on change and retried with a bounded back-off;
// the data-node keeps working without it.
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV, KvEntry } from "@nats-io/kv";
import { decodeTopologyRecord, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import type { WireTopologyRecord } from "@sentinel-plane/protocol";
import { errorMessage } from "@sentinel-plane/runtime";
import type { Logger, NatsConnection } from "@sentinel-plane/runtime";

export interface TopologyWatchOptions {
  readonly cluster_id: string;
  readonly master_name: string;
  /** Timeout of one JetStream API request (bucket lookup/creation, get). */
  readonly request_timeout_ms: number;
  /** Period of the safety-net read of the key. */
  readonly refresh_interval_ms: number;
  /** Back-off after a failure: retry_base_ms * 2^n, capped at retry_max_ms. */
  readonly retry_base_ms: number;
  readonly retry_max_ms: number;
}

/** Bucket options when the data-node is the one to create it. */
export const TOPOLOGY_BUCKET_HISTORY = 5;

/** A record, or null when the key was deleted/purged. `revision` orders them. */
export type TopologyObserver = (record: WireTopologyRecord | null, revision: number) => void;

/** Read through a function: the flag changes while an await is pending. */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

export class TopologyWatch {
  private readonly nc: NatsConnection;
  private readonly options: TopologyWatchOptions;
  private readonly logger: Logger;
  private readonly observe: TopologyObserver;
  private readonly abort = new AbortController();
  private stop_watch: (() => void) | null = null;
  private available: boolean | null = null;
  private last_invalid_revision = 0;
  /** False once NATS refused the creation: this identity may only read the agents' bucket. */
  private may_create = true;

  constructor(nc: NatsConnection, options: TopologyWatchOptions, logger: Logger, observe: TopologyObserver) {
    this.nc = nc;
    this.options = options;
    this.logger = logger;
    this.observe = observe;
  }

  get bucket(): string {
    return topologyBucket(this.options.cluster_id);
  }

  get key(): string {
    return topologyKey(this.options.master_name);
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.abort.abort();
    this.stop_watch?.();
  }

  private async run(): Promise<void> {
    for (let failures = 0; !aborted(this.abort.signal);) {
      try {
        const kv = await this.open();
        this.setAvailable(true, null);
        failures = 0;
        await this.follow(kv);
      } catch (error) {
        if (aborted(this.abort.signal)) return;
        this.setAvailable(false, errorMessage(error));
        failures++;
      }
      if (aborted(this.abort.signal)) return;
      const wait_ms = Math.min(
        this.options.retry_max_ms,
        this.options.retry_base_ms * 2 ** Math.min(failures, 16),
      );
      await sleep(wait_ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async open(): Promise<KV> {
    const js = jetstream(this.nc, { timeout: this.options.request_timeout_ms });
    // With NATS authorization a data-node only reads the bucket (libs/protocol nats-auth.ts):
    // after one refusal it waits for an agent to create it instead of asking again.
    if (!this.may_create) {
      const kv = await new Kvm(js).open(this.bucket, { timeout: this.options.request_timeout_ms });
      // open() does not look the bucket up: status() does (STREAM.INFO, allowed to readers), so
      // a missing bucket is a failure with back-off, not a watch that fails at once, in a loop.
      await kv.status();
      return kv;
    }
    try {
      // create() binds to an existing bucket as it is, and creates it only when missing.
      return await new Kvm(js).create(this.bucket, {
        history: TOPOLOGY_BUCKET_HISTORY,
        storage: StorageType.File,
        timeout: this.options.request_timeout_ms,
      });
    } catch (error) {
      if (/permissions violation/i.test(errorMessage(error))) {
        this.may_create = false;
        this.logger.info(
          { event: "topology_bucket_read_only", bucket: this.bucket },
          "not allowed to create the topology bucket: waiting for an agent to create it",
        );
      }
      throw error;
    }
  }

  /** Watches the key until the watch ends; reads it periodically meanwhile. */
  private async follow(kv: KV): Promise<void> {
    const watch = await kv.watch({ key: this.key });
    this.stop_watch = () => {
      watch.stop();
    };
    const refresh = this.refreshLoop(kv);
    try {
      for await (const entry of watch) this.deliver(entry);
    } finally {
      this.stop_watch = null;
      refresh.abort();
    }
  }

  private refreshLoop(kv: KV): AbortController {
    const stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, this.abort.signal]);
    void (async () => {
      while (!aborted(signal)) {
        await sleep(this.options.refresh_interval_ms, undefined, { signal }).catch(() => undefined);
        if (aborted(signal)) return;
        try {
          const entry = await kv.get(this.key);
          if (entry !== null) this.deliver(entry);
        } catch (error) {
          this.logger.debug(
            { event: "topology_read_failed", error: errorMessage(error) },
            "topology read failed",
          );
        }
      }
    })();
    return stop;
  }

  private deliver(entry: KvEntry): void {
    if (entry.operation !== "PUT") {
      this.observe(null, entry.revision);
      return;
    }
    const decoded = decodeTopologyRecord(entry.string());
    let reason: string | null = null;
    if (!decoded.ok) reason = decoded.error.message;
    else if (decoded.value.master_name !== this.options.master_name)
      reason = `record is for master ${JSON.stringify(decoded.value.master_name)}`;
    if (reason === null && decoded.ok) {
      this.observe(decoded.value, entry.revision);
      return;
    }
    // The watch and the periodic read see the same revision: log it once.
    if (entry.revision === this.last_invalid_revision) return;
    this.last_invalid_revision = entry.revision;
    this.logger.warn(
      {
        event: "topology_invalid",
        bucket: this.bucket,
        key: this.key,
        revision: entry.revision,
        error: reason,
      },
      "committed topology record ignored",
    );
  }

  private setAvailable(available: boolean, error: string | null): void {
    if (this.available === available) return;
    this.available = available;
    if (available) {
      this.logger.info(
        { event: "topology_watching", bucket: this.bucket, key: this.key },
        "following the committed topology",
      );
    } else {
      this.logger.warn(
        { event: "topology_unavailable", bucket: this.bucket, key: this.key, error },
        "committed topology unavailable",
      );
    }
  }
}
