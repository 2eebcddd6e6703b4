// The one adapter every service uses for the committed topology (JetStream KV bucket
// topologyBucket(cluster), one key per master). It creates the bucket once with the configured
// settings and checks an existing one (too few replicas: logged with both figures, raised when the
// server allows it, else refused with SP_ERR_TOPOLOGY_UNDER_REPLICATED); it follows the keys with a
// watch that restarts with a bounded, logged back-off and never throws out of its loop; a
// periodic read covers a watch that stalled across a NATS outage; writes are compare-and-set on
// the revision. Its health (state, replicas, last error) is what the services expose on /readyz.
import { setTimeout as sleep } from "node:timers/promises";
import { jetstream, jetstreamManager, JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { JetStreamManager, StreamInfo } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { KV } from "@nats-io/kv";
import { decodeToken, formatErrorMessage, topologyBucket, topologyKey } from "@sentinel-plane/protocol";
import type { ErrorCode } from "@sentinel-plane/protocol";
import { aborted } from "../aborted.js";
import { errorMessage } from "../logger.js";
import type { Logger } from "../logger.js";
import type { NatsConnection } from "../nats.js";
import {
  bucketReplicas,
  clusterSizeOf,
  placedReplicas,
  readTopologyEntry,
  replicaVerdict,
  retryDelay_ms,
} from "./settings.js";
import type { TopologyBucketConfig, TopologyRead } from "./settings.js";

export interface TopologyStoreOptions {
  readonly cluster_id: string;
  readonly bucket: TopologyBucketConfig;
  /** Timeout of one JetStream request (bucket lookup, creation, update, get, put). */
  readonly request_timeout_ms: number;
  /** Only these masters' keys are delivered (null: every key of the bucket). */
  readonly masters: readonly string[] | null;
  /** Period of the safety-net reads of the followed keys (0: none). */
  readonly refresh_interval_ms: number;
  /** Back-off after a failure: retry_base_ms * 2^(n-1), capped at retry_max_ms. */
  readonly retry_base_ms: number;
  readonly retry_max_ms: number;
  /**
   * A bucket with fewer replicas than configured that cannot be raised: "refuse" it (the writer:
   * no commits to a bucket that does not keep its promise), or "follow" it anyway, flagged in the
   * health (readers, which would otherwise lose the topology).
   */
  readonly under_replicated: "refuse" | "follow";
}

export type TopologyObserver = (master_name: string, read: TopologyRead) => void;

export type TopologyStoreState = "idle" | "opening" | "watching" | "retrying" | "stopped";

export interface TopologyHealth {
  readonly state: TopologyStoreState;
  /** True while the watch runs: the service sees commits as they happen. */
  readonly watching: boolean;
  readonly bucket: string;
  /** The replicas the bucket should have (null until the server's cluster size is known). */
  readonly replicas_configured: number | null;
  /** The replicas the bucket has (null until looked up). */
  readonly replicas_actual: number | null;
  /** The bucket has fewer replicas than configured and could not be raised (refused). */
  readonly under_replicated: boolean;
  /** Watch (re)starts after the first. */
  readonly restarts: number;
  readonly last_error: { readonly code: ErrorCode | null; readonly message: string } | null;
}

export type CommitResult =
  | { readonly ok: true; readonly revision: number }
  /** Not written: another revision is there (`current`, when it could be read) or no answer. */
  | { readonly ok: false; readonly reason: string; readonly current: TopologyRead | null };

/** An operating error of the store, with its stable code. */
export class TopologyStoreError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, args: readonly (string | number)[], options?: ErrorOptions) {
    super(formatErrorMessage(code, args), options);
    this.name = "TopologyStoreError";
    this.code = code;
  }
}

/** A watch shorter than this counts as a failure for the back-off (a flapping server). */
const STABLE_WATCH_MS_MIN = 5000;

function isStreamNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
}

export class TopologyStore {
  readonly bucket: string;
  readonly #nc: NatsConnection;
  readonly #options: TopologyStoreOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  /** The last revision delivered per key (the keys seen, for the periodic read). */
  readonly #revisions = new Map<string, number>();
  /**
   * The bucket's last sequence (a revision) known to be reflected here: the watch's newest entry
   * (it delivers in order) or, after a safety-net round whose every read succeeded, the sequence
   * the bucket reported before it. A round is only needed when the bucket has moved past it.
   */
  #seen_seq = 0;
  #kv: KV | null = null;
  #stop_watch: (() => void) | null = null;
  #state: TopologyStoreState = "idle";
  #replicas_configured: number | null = null;
  #replicas_actual: number | null = null;
  #under_replicated = false;
  #restarts = 0;
  #last_error: TopologyHealth["last_error"] = null;

  constructor(nc: NatsConnection, options: TopologyStoreOptions, logger: Logger) {
    this.#nc = nc;
    this.#options = options;
    this.#logger = logger;
    this.bucket = topologyBucket(options.cluster_id);
  }

  health(): TopologyHealth {
    return {
      state: this.#state,
      watching: this.#state === "watching",
      bucket: this.bucket,
      replicas_configured: this.#replicas_configured,
      replicas_actual: this.#replicas_actual,
      under_replicated: this.#under_replicated,
      restarts: this.#restarts,
      last_error: this.#last_error,
    };
  }

  /** Starts opening and following the bucket; `observe` gets every entry of the followed keys. */
  start(observe: TopologyObserver): void {
    if (this.#state !== "idle") throw new Error(`topology store already started (${this.#state})`);
    this.#state = "opening";
    void this.#run(observe).catch((error: unknown) => {
      // #run catches everything; reaching this is a programming error, reported, never thrown.
      this.#logger.error(
        { event: "topology_store_crashed", error: errorMessage(error) },
        "topology store crashed",
      );
    });
  }

  stop(): void {
    this.#abort.abort();
    this.#stop_watch?.();
    this.#state = "stopped";
  }

  /** The current value of a master's key; rejects when the bucket is not open or on no answer. */
  async read(master_name: string): Promise<TopologyRead> {
    const kv = this.#openKv();
    const entry = await kv.get(topologyKey(master_name));
    return readTopologyEntry(master_name, entry);
  }

  /** Compare-and-set: written only if the key is at `expected_revision` (0: absent). Never rejects. */
  async commit(master_name: string, data: string, expected_revision: number): Promise<CommitResult> {
    const key = topologyKey(master_name);
    try {
      const kv = this.#openKv();
      const revision =
        expected_revision === 0 ? await kv.create(key, data) : await kv.update(key, data, expected_revision);
      return { ok: true, revision };
    } catch (error) {
      // Wrong last sequence, or no answer: either way not written as asked. Report what is there
      // now so the caller can adopt a newer record.
      const current = await this.read(master_name).catch(() => null);
      return { ok: false, reason: errorMessage(error), current };
    }
  }

  /**
   * Compare-and-delete: the master's record is deleted only if the key is still at
   * `expected_revision` (a record written since stays). Never rejects; logs what happened.
   */
  async forget(master_name: string, expected_revision: number): Promise<boolean> {
    const key = topologyKey(master_name);
    try {
      await this.#openKv().delete(key, { previousSeq: expected_revision });
      this.#logger.info(
        { event: "topology_forgotten", bucket: this.bucket, key, revision: expected_revision },
        `record of ${master_name} deleted (no longer monitored)`,
      );
      return true;
    } catch (error) {
      // Every agent that removes the master asks: the first one's delete makes the others fail.
      const now = await this.read(master_name).catch(() => null);
      if (now?.kind === "absent") return true;
      this.#logger.warn(
        { event: "topology_forget_failed", bucket: this.bucket, key, error: errorMessage(error) },
        `record of ${master_name} not deleted (written since, or no answer)`,
      );
      return false;
    }
  }

  #openKv(): KV {
    if (this.#kv === null) {
      throw new TopologyStoreError("SP_ERR_UNAVAILABLE", [`topology bucket ${this.bucket} is not open`]);
    }
    return this.#kv;
  }

  async #run(observe: TopologyObserver): Promise<void> {
    for (let failures = 0, started = 0; !aborted(this.#abort.signal); started++) {
      if (started > 0) this.#restarts++;
      let watched_ms = 0;
      try {
        this.#state = "opening";
        this.#kv ??= await this.#open();
        const since = performance.now();
        await this.#follow(this.#kv, observe);
        watched_ms = performance.now() - since;
        if (aborted(this.#abort.signal)) return;
        this.#fail(null, "watch ended");
      } catch (error) {
        if (aborted(this.#abort.signal)) return;
        this.#fail(error instanceof TopologyStoreError ? error.code : null, errorMessage(error));
        // A refused or vanished bucket is looked up again on the next attempt.
        this.#kv = null;
      }
      failures = watched_ms >= STABLE_WATCH_MS_MIN ? 1 : failures + 1;
      const wait_ms = retryDelay_ms(failures, this.#options.retry_base_ms, this.#options.retry_max_ms);
      this.#state = "retrying";
      this.#logger.warn(
        {
          event: "topology_watch_retry",
          bucket: this.bucket,
          failures,
          wait_ms,
          error: this.#last_error?.message ?? null,
          code: this.#last_error?.code ?? null,
        },
        `topology watch restarting in ${wait_ms} ms: ${this.#last_error?.message ?? "?"}`,
      );
      await sleep(wait_ms, undefined, { signal: this.#abort.signal }).catch(() => undefined);
    }
  }

  #fail(code: ErrorCode | null, message: string): void {
    this.#last_error = { code, message };
  }

  /** Looks the bucket up, creates it when missing, checks (and raises) its replicas, opens it. */
  async #open(): Promise<KV> {
    const timeout = this.#options.request_timeout_ms;
    const config = this.#options.bucket;
    const js = jetstream(this.#nc, { timeout });
    const jsm = await jetstreamManager(this.#nc, { timeout, checkAPI: false });
    const stream = `KV_${this.bucket}`;
    const replicas = bucketReplicas(config.replicas, clusterSizeOf(this.#nc.info));
    this.#replicas_configured = replicas;
    let info = await jsm.streams.info(stream).catch((error: unknown) => {
      if (isStreamNotFound(error)) return null;
      throw error;
    });
    if (info === null) {
      await new Kvm(js).create(this.bucket, {
        timeout,
        history: config.history,
        replicas,
        storage: config.storage,
        maxValueSize: config.value_bytes_max,
        max_bytes: -1,
        ttl: 0,
      });
      info = await jsm.streams.info(stream);
      this.#logger.info(
        {
          event: "topology_bucket_created",
          bucket: this.bucket,
          replicas,
          history: config.history,
          storage: config.storage,
        },
        `topology bucket ${this.bucket} created with ${replicas} replicas`,
      );
    }
    this.#replicas_actual = placedReplicas(info);
    try {
      await this.#checkReplicas(jsm, info, replicas);
    } catch (error) {
      // A reader follows an under-replicated bucket (flagged in its health) rather than lose the
      // topology; a writer refuses it.
      if (!(error instanceof TopologyStoreError) || this.#options.under_replicated === "refuse") throw error;
      this.#fail(error.code, error.message);
      this.#logger.error(
        { event: "topology_bucket_followed_under_replicated", bucket: this.bucket, code: error.code },
        `following ${this.bucket} anyway: ${error.message}`,
      );
    }
    const kv = await new Kvm(js).open(this.bucket, { timeout });
    this.#logger.info(
      { event: "topology_bucket_open", bucket: this.bucket, replicas: this.#replicas_actual },
      `topology bucket ${this.bucket} open (${this.#replicas_actual} replicas)`,
    );
    return kv;
  }

  async #checkReplicas(jsm: JetStreamManager, info: StreamInfo, configured: number): Promise<void> {
    const verdict = replicaVerdict(configured, placedReplicas(info));
    if (verdict.kind === "over_replicated") {
      this.#logger.info(
        { event: "topology_bucket_over_replicated", bucket: this.bucket, ...verdict },
        `topology bucket ${this.bucket} has ${verdict.actual} replicas, ${verdict.configured} configured`,
      );
    }
    if (verdict.kind !== "under_replicated") {
      this.#under_replicated = false;
      return;
    }
    this.#under_replicated = true;
    this.#logger.error(
      {
        event: "topology_bucket_under_replicated",
        bucket: this.bucket,
        replicas_configured: configured,
        replicas_actual: verdict.actual,
      },
      `topology bucket ${this.bucket} has ${verdict.actual} replicas, ${configured} configured: raising them`,
    );
    try {
      const servers = clusterSizeOf(this.#nc.info);
      if (servers < configured) throw new Error(`the server reports a cluster of ${servers}`);
      const updated = await jsm.streams.update(info.config.name, {
        ...info.config,
        num_replicas: configured,
      });
      this.#replicas_actual = placedReplicas(updated);
      if (this.#replicas_actual < configured) {
        throw new Error(`the server placed ${this.#replicas_actual} of ${configured} replicas`);
      }
    } catch (error) {
      throw new TopologyStoreError(
        "SP_ERR_TOPOLOGY_UNDER_REPLICATED",
        [this.bucket, verdict.actual, configured, errorMessage(error)],
        { cause: error },
      );
    }
    this.#under_replicated = false;
    this.#logger.warn(
      {
        event: "topology_bucket_replicas_raised",
        bucket: this.bucket,
        replicas_configured: configured,
        replicas_actual: this.#replicas_actual,
      },
      `topology bucket ${this.bucket} raised from ${verdict.actual} to ${this.#replicas_actual} replicas`,
    );
  }

  /** Watches the followed keys until the watch ends; reads them periodically meanwhile. */
  async #follow(kv: KV, observe: TopologyObserver): Promise<void> {
    const masters = this.#options.masters;
    // nats-server 2.9 takes one filter per watch: one key, or every key filtered here.
    const key = masters?.length === 1 && masters[0] !== undefined ? topologyKey(masters[0]) : ">";
    const watch = await kv.watch({ key });
    this.#stop_watch = () => {
      watch.stop();
    };
    if (aborted(this.#abort.signal)) watch.stop();
    this.#state = "watching";
    this.#last_error = null;
    this.#logger.info(
      { event: "topology_watching", bucket: this.bucket, key, restarts: this.#restarts },
      "following the committed topology",
    );
    const refresh = this.#refreshLoop(kv, observe);
    try {
      for await (const entry of watch) {
        this.#seen_seq = Math.max(this.#seen_seq, entry.revision);
        this.#deliver(entry.key, entry, observe);
      }
    } finally {
      this.#stop_watch = null;
      refresh.abort();
    }
  }

  #refreshLoop(kv: KV, observe: TopologyObserver): AbortController {
    const stop = new AbortController();
    const period_ms = this.#options.refresh_interval_ms;
    if (period_ms <= 0) return stop;
    const signal = AbortSignal.any([stop.signal, this.#abort.signal]);
    void (async () => {
      while (!aborted(signal)) {
        await sleep(period_ms, undefined, { signal }).catch(() => undefined);
        if (aborted(signal)) return;
        // One request tells whether the bucket changed since what the watch delivered: reading
        // every key each period cost an agent of 200 masters 200 requests a second.
        const last_seq = await this.#bucketSeq(kv);
        if (last_seq !== null && last_seq <= this.#seen_seq) continue;
        let all_read = true;
        for (const key of this.#options.masters?.map(topologyKey) ?? [...this.#revisions.keys()]) {
          try {
            const entry = await kv.get(key);
            // Only what the watch missed: a revision newer than the last one delivered.
            const last = this.#revisions.get(key) ?? 0;
            if (entry !== null && entry.revision > last && !aborted(signal))
              this.#deliver(key, entry, observe);
          } catch (error) {
            all_read = false;
            this.#logger.debug(
              { event: "topology_read_failed", bucket: this.bucket, key, error: errorMessage(error) },
              "topology read failed",
            );
          }
        }
        if (all_read && last_seq !== null) this.#seen_seq = Math.max(this.#seen_seq, last_seq);
      }
    })();
    return stop;
  }

  /** The bucket's last sequence, or null when it cannot be read (then every key is read). */
  async #bucketSeq(kv: KV): Promise<number | null> {
    try {
      return (await kv.status()).streamInfo.state.last_seq;
    } catch (error) {
      this.#logger.debug(
        { event: "topology_read_failed", bucket: this.bucket, error: errorMessage(error) },
        "topology bucket status read failed",
      );
      return null;
    }
  }

  #deliver(
    key: string,
    entry: { readonly operation: string; readonly value: Uint8Array; readonly revision: number },
    observe: TopologyObserver,
  ): void {
    const name = decodeToken(key);
    if (!name.ok) return;
    const masters = this.#options.masters;
    if (masters !== null && !masters.includes(name.value)) return;
    this.#revisions.set(key, Math.max(entry.revision, this.#revisions.get(key) ?? 0));
    try {
      observe(name.value, readTopologyEntry(name.value, entry));
    } catch (error) {
      // An observer's bug must not end the watch of every other key.
      this.#logger.error(
        { event: "topology_observer_failed", bucket: this.bucket, key, error: errorMessage(error) },
        "topology observer failed",
      );
    }
  }
}
