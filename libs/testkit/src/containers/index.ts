// Redis and NATS for cross-service tests as processes or containers, behind one interface.
export type { Infra, InfraMode, InfraNats, InfraRedis, InfraRedisOptions } from "./infra.js";
export { ProcessInfra } from "./process-infra.js";
export { ContainerInfra, imagesFromEnv } from "./container-infra.js";
export type { ContainerImages } from "./container-infra.js";
export { availableModes, infraFor, probeEngine, requestedMode } from "./choose.js";
export { startInfraCluster } from "./cluster.js";
export type { InfraCluster, InfraClusterOptions } from "./cluster.js";
