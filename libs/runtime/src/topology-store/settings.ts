// The topology bucket's settings and the pure decisions around it: how many replicas a bucket
// should have, whether an existing bucket has enough, how long to wait before retrying, and how
// one KV entry of a master's key reads. No I/O here: the adapter (topology-store.ts) acts on these.
import { decodeTopologyRecord } from "@sentinel-plane/protocol";
import type { WireTopologyRecord } from "@sentinel-plane/protocol";

export type TopologyStorage = "file" | "memory";

/** What the services configure; `replicas: null` lets the NATS server's cluster size decide. */
export interface TopologyBucketConfig {
  readonly replicas: number | null;
  readonly history: number;
  readonly storage: TopologyStorage;
  readonly value_bytes_max: number;
}

export const TOPOLOGY_BUCKET_DEFAULTS: TopologyBucketConfig = {
  replicas: null,
  history: 5,
  storage: "file",
  value_bytes_max: 64 * 1024,
};

/** JetStream caps a stream's replicas at 5. */
export const TOPOLOGY_REPLICAS_MAX = 5;

/**
 * The replicas a bucket is created with: the configured figure, else 3 when the server reports a
 * cluster of 3 or more (a majority survives one server lost), else 1 (a lone server cannot hold
 * more). `cluster_size` counts the servers the connected one advertises, itself included.
 */
export function bucketReplicas(configured: number | null, cluster_size: number): number {
  if (configured !== null) return configured;
  return cluster_size >= 3 ? 3 : 1;
}

/**
 * The servers of the cluster as the connected server advertises them: its `connect_urls` (every
 * server's client URL, its own included) when it is in a cluster, else 1.
 */
export function clusterSizeOf(
  info: { readonly cluster?: string; readonly connect_urls?: string[] } | undefined,
): number {
  if (info?.cluster === undefined) return 1;
  return Math.max(1, info.connect_urls?.length ?? 1);
}

/**
 * The replicas a stream really has: its configured figure, but no more than the servers it is
 * placed on (the leader and the peers it lists). A lone nats-server accepts `num_replicas: 3` in
 * an update and keeps one copy; its stream info lists no peers.
 */
export function placedReplicas(info: {
  readonly config: { readonly num_replicas: number };
  readonly cluster?: { readonly replicas?: readonly unknown[] };
}): number {
  return Math.min(info.config.num_replicas, 1 + (info.cluster?.replicas?.length ?? 0));
}

export type ReplicaVerdict =
  | { readonly kind: "ok" }
  /** Fewer replicas than configured: raise them (a stream update), or refuse the bucket. */
  | { readonly kind: "under_replicated"; readonly configured: number; readonly actual: number }
  /** More than configured: harmless (someone asked for more), reported once. */
  | { readonly kind: "over_replicated"; readonly configured: number; readonly actual: number };

export function replicaVerdict(configured: number, actual: number): ReplicaVerdict {
  if (actual < configured) return { kind: "under_replicated", configured, actual };
  if (actual > configured) return { kind: "over_replicated", configured, actual };
  return { kind: "ok" };
}

/** Back-off after `failures` consecutive failures: base * 2^(failures-1), capped at max. */
export function retryDelay_ms(failures: number, base_ms: number, max_ms: number): number {
  if (failures <= 0) return 0;
  return Math.min(max_ms, base_ms * 2 ** Math.min(failures - 1, 20));
}

export type TopologyRead =
  | { readonly kind: "record"; readonly record: WireTopologyRecord; readonly revision: number }
  /** No key, or a delete/purge marker. */
  | { readonly kind: "absent"; readonly revision: number }
  | { readonly kind: "invalid"; readonly revision: number; readonly reason: string };

/** One KV entry of a master's key, decoded and checked against the key's master. */
export function readTopologyEntry(
  master_name: string,
  entry: { readonly operation: string; readonly value: Uint8Array; readonly revision: number } | null,
): TopologyRead {
  if (entry === null) return { kind: "absent", revision: 0 };
  if (entry.operation !== "PUT") return { kind: "absent", revision: entry.revision };
  const decoded = decodeTopologyRecord(entry.value);
  if (!decoded.ok) return { kind: "invalid", revision: entry.revision, reason: decoded.error.message };
  if (decoded.value.master_name !== master_name) {
    const reason = `key names ${JSON.stringify(master_name)}, record ${JSON.stringify(decoded.value.master_name)}`;
    return { kind: "invalid", revision: entry.revision, reason };
  }
  return { kind: "record", record: decoded.value, revision: entry.revision };
}
