// A durable journal in JetStream (the failover history, the audit log): one stream per journal,
// bounded by messages, bytes and age (the oldest records go first), created idempotently by the
// agents with the topology bucket's replica rule (3 on a cluster of 3 or more, else 1). Appends go
// through a bounded queue and are retried with back-off while NATS or JetStream is away; a full
// queue drops the oldest record and says so. Reads page backwards by stream sequence (the cursor).
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamClient, JetStreamManager, StreamConfig } from "@nats-io/jetstream";
import { allJournalSubject, journalStream, journalSubject } from "@sentinel-plane/protocol";
import type { JournalKind } from "@sentinel-plane/protocol";
import { aborted } from "../aborted.js";
import { errorMessage } from "../logger.js";
import type { Logger } from "../logger.js";
import type { NatsConnection } from "../nats.js";
import {
  bucketReplicas,
  clusterSizeOf,
  placedReplicas,
  replicaVerdict,
  retryDelay_ms,
} from "../topology-store/settings.js";
import { JournalQueue } from "./journal-queue.js";
import type { JournalEntry } from "./journal-queue.js";

export interface JournalLimits {
  /** The stream keeps at most this many records, ... */
  readonly messages_max: number;
  /** ... this many bytes, ... */
  readonly bytes_max: number;
  /** ... and none older than this (0: no age limit). */
  readonly age_ms: number;
  /** A larger record is refused by the server; the writer drops it first, loudly. */
  readonly record_bytes_max: number;
  /** An append repeated with the same msg id within this window is stored once. */
  readonly duplicate_window_ms: number;
}

export const JOURNAL_LIMITS_DEFAULT: JournalLimits = {
  messages_max: 100_000,
  bytes_max: 256 * 1024 * 1024,
  age_ms: 90 * 24 * 3600 * 1000,
  record_bytes_max: 256 * 1024,
  duplicate_window_ms: 120_000,
};

export interface JournalStoreOptions {
  readonly cluster_id: string;
  readonly kind: JournalKind;
  /** The writing agent's id: records go to the journal subject naming it. */
  readonly writer: string;
  /** null: as the topology bucket (3 on a NATS cluster of 3 or more, else 1). */
  readonly replicas: number | null;
  readonly limits: JournalLimits;
  readonly request_timeout_ms: number;
  /** Records waiting for JetStream at most; beyond, the oldest is dropped. */
  readonly queue_max: number;
  readonly retry_base_ms: number;
  readonly retry_max_ms: number;
}

export interface JournalItem {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

export interface JournalPage {
  /** Newest first. */
  readonly items: readonly JournalItem[];
  /** The cursor of the next (older) page; null when the stream holds nothing older. */
  readonly next_before: number | null;
}

export interface JournalHealth {
  readonly stream: string;
  readonly open: boolean;
  readonly pending: number;
  readonly appended: number;
  readonly dropped: number;
  readonly last_error: string | null;
}

export class JournalStore {
  readonly stream: string;
  readonly #nc: NatsConnection;
  readonly #options: JournalStoreOptions;
  readonly #logger: Logger;
  readonly #queue: JournalQueue;
  readonly #abort = new AbortController();
  readonly #encoder = new TextEncoder();
  #open: { js: JetStreamClient; jsm: JetStreamManager } | null = null;
  #flushing = false;
  #appended = 0;
  #oversized = 0;
  #last_error: string | null = null;

  constructor(nc: NatsConnection, options: JournalStoreOptions, logger: Logger) {
    this.#nc = nc;
    this.#options = options;
    this.#logger = logger;
    this.#queue = new JournalQueue(options.queue_max);
    this.stream = journalStream(options.cluster_id, options.kind);
  }

  health(): JournalHealth {
    return {
      stream: this.stream,
      open: this.#open !== null,
      pending: this.#queue.size,
      appended: this.#appended,
      dropped: this.#queue.dropped + this.#oversized,
      last_error: this.#last_error,
    };
  }

  /** Queues a record and starts appending; never throws, never waits for NATS. */
  append(entry: JournalEntry): void {
    if (aborted(this.#abort.signal)) return;
    const bytes = Buffer.byteLength(entry.data, "utf8");
    if (bytes > this.#options.limits.record_bytes_max) {
      this.#oversized += 1;
      this.#logger.error(
        { event: "journal_record_dropped", stream: this.stream, reason: "too large", bytes },
        `${this.stream}: record ${entry.msg_id} dropped: ${bytes} bytes, at most ${this.#options.limits.record_bytes_max}`,
      );
      return;
    }
    const dropped = this.#queue.push(entry);
    if (dropped !== null) {
      this.#logger.error(
        {
          event: "journal_record_dropped",
          stream: this.stream,
          reason: "queue full",
          msg_id: dropped.msg_id,
        },
        `${this.stream}: record ${dropped.msg_id} dropped: ${this.#options.queue_max} records wait for JetStream`,
      );
    }
    if (!this.#flushing) void this.#flush();
  }

  /**
   * Records older than `before` (null: from the newest), newest first: at most `limit` accepted
   * ones, scanning at most `scan_max` sequences (deleted, invalid or filtered-out records are
   * skipped). Rejects when the stream cannot be read.
   */
  async page(
    before: number | null,
    limit: number,
    scan_max: number,
    accept: (item: JournalItem) => boolean,
  ): Promise<JournalPage> {
    const { jsm } = await this.#ensure();
    const info = await jsm.streams.info(this.stream);
    const first = info.state.first_seq;
    const last = info.state.last_seq;
    const items: JournalItem[] = [];
    let seq = before === null ? last : Math.min(before - 1, last);
    for (let scanned = 0; seq >= first && seq >= 1 && items.length < limit && scanned < scan_max; scanned++) {
      const stored = await jsm.streams.getMessage(this.stream, { seq }).catch((error: unknown) => {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound)
          return null;
        throw error;
      });
      if (stored !== null) {
        const item = { seq: stored.seq, subject: stored.subject, data: stored.data };
        if (accept(item)) items.push(item);
      }
      seq -= 1;
    }
    return { items, next_before: seq >= first && seq >= 1 ? seq + 1 : null };
  }

  /** Stops appending; what is still queued is lost (logged with its count). */
  stop(): void {
    this.#abort.abort();
    if (this.#queue.size > 0) {
      this.#logger.warn(
        { event: "journal_stopped_with_pending", stream: this.stream, pending: this.#queue.size },
        `${this.stream}: stopped with ${this.#queue.size} records not appended`,
      );
    }
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    const subject = journalSubject(this.#options.cluster_id, this.#options.kind, this.#options.writer);
    let failures = 0;
    try {
      for (let entry = this.#queue.peek(); entry !== null; entry = this.#queue.peek()) {
        if (aborted(this.#abort.signal)) return;
        try {
          const { js } = await this.#ensure();
          await js.publish(subject, this.#encoder.encode(entry.data), {
            msgID: entry.msg_id,
            timeout: this.#options.request_timeout_ms,
          });
          this.#queue.shift();
          this.#appended += 1;
          failures = 0;
          this.#last_error = null;
        } catch (error) {
          failures += 1;
          this.#last_error = errorMessage(error);
          // A vanished stream (deleted by hand) is created again on the next attempt.
          this.#open = null;
          const wait_ms = retryDelay_ms(failures, this.#options.retry_base_ms, this.#options.retry_max_ms);
          this.#logger.warn(
            {
              event: "journal_append_retry",
              stream: this.stream,
              pending: this.#queue.size,
              wait_ms,
              error: this.#last_error,
            },
            `${this.stream}: append failed, retrying in ${wait_ms} ms: ${this.#last_error}`,
          );
          await sleep(wait_ms, undefined, { signal: this.#abort.signal }).catch(() => undefined);
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  /** Looks the stream up, creates it when missing, raises its replicas when it can. */
  async #ensure(): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
    if (this.#open !== null) return this.#open;
    const timeout = this.#options.request_timeout_ms;
    const jsm = await jetstreamManager(this.#nc, { timeout, checkAPI: false });
    const js = jetstream(this.#nc, { timeout });
    const replicas = bucketReplicas(this.#options.replicas, clusterSizeOf(this.#nc.info));
    const limits = this.#options.limits;
    const config: Partial<StreamConfig> & { name: string } = {
      name: this.stream,
      subjects: [allJournalSubject(this.#options.cluster_id, this.#options.kind)],
      max_msgs: limits.messages_max,
      max_bytes: limits.bytes_max,
      max_age: limits.age_ms * 1_000_000,
      max_msg_size: limits.record_bytes_max,
      duplicate_window: limits.duplicate_window_ms * 1_000_000,
      num_replicas: replicas,
    };
    let info = await jsm.streams.info(this.stream).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
      throw error;
    });
    if (info === null) {
      // Two agents creating it at once: the second add of an identical config succeeds.
      info = await jsm.streams.add({ ...config, storage: "file" });
      this.#logger.info(
        { event: "journal_stream_created", stream: this.stream, replicas, ...limits },
        `journal stream ${this.stream} created with ${replicas} replicas`,
      );
    }
    const verdict = replicaVerdict(replicas, placedReplicas(info));
    if (verdict.kind === "under_replicated" && clusterSizeOf(this.#nc.info) >= replicas) {
      try {
        await jsm.streams.update(this.stream, { ...info.config, num_replicas: replicas });
      } catch (error) {
        // The journal is not safety state: an under-replicated one is used, and said so.
        this.#logger.error(
          {
            event: "journal_stream_under_replicated",
            stream: this.stream,
            ...verdict,
            error: errorMessage(error),
          },
          `journal stream ${this.stream} has ${verdict.actual} replicas, ${verdict.configured} wanted`,
        );
      }
    }
    this.#open = { js, jsm };
    return this.#open;
  }
}
