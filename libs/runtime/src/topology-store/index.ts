// The topology store: the committed topology's bucket, its settings and its watch, shared by the
// agent, the data-node and the vip-manager.
export {
  bucketReplicas,
  clusterSizeOf,
  placedReplicas,
  readTopologyEntry,
  replicaVerdict,
  retryDelay_ms,
  TOPOLOGY_BUCKET_DEFAULTS,
  TOPOLOGY_REPLICAS_MAX,
} from "./settings.js";
export type { ReplicaVerdict, TopologyBucketConfig, TopologyRead, TopologyStorage } from "./settings.js";
export { TopologyStore, TopologyStoreError } from "./topology-store.js";
export type {
  CommitResult,
  TopologyHealth,
  TopologyObserver,
  TopologyStoreOptions,
  TopologyStoreState,
} from "./topology-store.js";
