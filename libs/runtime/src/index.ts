// Public surface of the runtime: the real adapters shared by the services.
export { createLogger, errorMessage } from "./logger.js";
export type { Logger, LogLevel, LoggerOptions } from "./logger.js";
export { writeFileAtomic, writeJsonAtomic, readJsonFile } from "./atomic-store.js";
export { connectNats, NATS_DEFAULTS } from "./nats.js";
export type { NatsConnection, NatsOptions } from "./nats.js";
export { resolveNatsSection } from "./nats-section.js";
export type { NatsSection } from "./nats-section.js";
export { createRedisClient, reconnectDelay_ms, Redis, redisTls } from "./redis.js";
export { CA_DIR_FILES_MAX, readConfiguredTls, readTlsMaterial } from "./tls-files.js";
export type { TlsFiles, TlsMaterial } from "./tls-files.js";
export { makeThrowawayCerts, redisCliTlsArgs, throwawayCertFiles, tlsOnlyServerLines } from "./tls-certs.js";
export type { ThrowawayCerts, ThrowawayCertsOptions } from "./tls-certs.js";
export { supervisedRedisServerLines } from "./supervised-redis-lines.js";
export type { RedisClientOptions } from "./redis.js";
export { getTracer, withSpan, SpanStatusCode } from "./tracing.js";
export type { Span, Attributes } from "./tracing.js";
export { startTraceExport, startTraceExportLogged, traceExportChoice } from "./otel-export.js";
export type { OtelEnv, TraceExport, TraceExportChoice } from "./otel-export.js";
export { counterLines, opsAddressFromEnv, startOpsServer, startOpsServerFromEnv } from "./ops-server.js";
export type { Health, OpsServer, OpsServerOptions } from "./ops-server.js";
export { contextFromHeaders, inMessageContext, traceHeaders } from "./trace-context.js";
export { Counters } from "./counters.js";
export { withDeadline } from "./deadline.js";
export { nodeClock, nodeTimers } from "./timers.js";
export type { Clock, SoonTimers, Timers } from "./timers.js";
export { toNodeReport } from "./node-report.js";
export {
  applyNatsEnv,
  applyTlsEnv,
  configFileArg,
  configPathFrom,
  envList,
  envNumber,
  envSetter,
  jsonSection,
  readJsonConfigFile,
  serviceEnvOverrides,
  withEnvOverrides,
} from "./config-env.js";
export type { JsonObject } from "./config-env.js";
export { checkServiceConfig, configInvalid, loadJsonConfig } from "./config-load.js";
export { logUnhandledRejections, refuseConfigAtStart } from "./service-start.js";
export type { CheckedServiceConfig, ConfigSchemaCheck, JsonConfigLoader } from "./config-load.js";
export * from "./topology-store/index.js";
export * from "./journal/index.js";
