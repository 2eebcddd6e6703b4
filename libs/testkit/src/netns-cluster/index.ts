// A sentinel-plane cluster on network-namespace hosts (h1..h3 data hosts, h4 NATS, c1 client),
// with a VIP writer for end-to-end VIP tests and benchmarks. Needs root.
export { NetnsCluster } from "./netns-cluster.js";
export type { LogLine, NetnsClusterOptions, NetnsDataHost, TapEvent } from "./netns-cluster.js";
export { JsonLines } from "./json-lines.js";
export { VipClient } from "./vip-client-process.js";
export type { ClientAck, ClientLine, ClientTimings } from "./vip-client-process.js";
export type { VipSettings } from "./configs.js";
export { IFNAME, NATS_PORT, REDIS_PORT, REST_PORT, SENTINEL_PORT } from "./configs.js";
export type { LabCredential, LabSecurity } from "./security.js";
export { wallClock_ms } from "./wall-clock.js";
