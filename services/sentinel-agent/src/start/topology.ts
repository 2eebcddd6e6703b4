// The topology bucket, opened (created, checked) and followed in the background: an agent starts
// and answers while NATS or JetStream is away, and says so on /readyz.
import { NATS_DEFAULTS, TOPOLOGY_BUCKET_DEFAULTS, TopologyStore } from "@sentinel-plane/runtime";
import type { Counters, NatsConnection } from "@sentinel-plane/runtime";
import { KvTopology } from "../kv-topology.js";
import type { AgentBase } from "./agent-base.js";

/** Safety-net reads of the topology keys (a watch stalled across a NATS outage). */
const TOPOLOGY_REFRESH_MS = 1000;
/** Longest wait between two attempts to open or watch the topology bucket. */
export const TOPOLOGY_RETRY_MAX_MS = 5000;

export function createTopology(base: AgentBase, nc: NatsConnection, counters: Counters): KvTopology {
  const { plane, logger } = base;
  return new KvTopology(
    new TopologyStore(
      nc,
      {
        cluster_id: plane.cluster_id,
        bucket: { ...TOPOLOGY_BUCKET_DEFAULTS, replicas: plane.topology_replicas },
        request_timeout_ms: NATS_DEFAULTS.connect_timeout_ms,
        masters: null,
        refresh_interval_ms: TOPOLOGY_REFRESH_MS,
        retry_base_ms: NATS_DEFAULTS.reconnect_wait_ms,
        retry_max_ms: TOPOLOGY_RETRY_MAX_MS,
        under_replicated: "refuse",
      },
      logger,
    ),
    {
      on_invalid: (key, reason) => {
        counters.inc("malformed_total", { source: "kv" });
        logger.warn({ key, reason }, "invalid topology record ignored");
      },
    },
  );
}
