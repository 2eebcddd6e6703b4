export {
  Cluster,
  startCluster,
  AGENT_ENTRY,
  DATA_NODE_ENTRY,
  REST_TOKEN_DEFAULT,
  leaseTokenOf,
} from "./cluster.js";
export type { AgentNode, ClusterOptions, RedisNode, SeenEvent } from "./cluster.js";
