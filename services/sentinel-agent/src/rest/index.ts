// Public surface of the REST API (used by service.ts, the OpenAPI generator and tests).
export { buildRestApp, OPENAPI_BASE, API_VERSION } from "./app.js";
export type { RestApp } from "./app.js";
export { REST_LIMITS_DEFAULT } from "./deps.js";
export type { RestDeps, RestLimits, Readiness } from "./deps.js";
export { RestServer } from "./server.js";
export type { RestServerOptions } from "./server.js";
export { RestMetrics } from "./metrics.js";
export { FailoverHistory } from "./failover-history.js";
export { VoteBook } from "./votes.js";
export { TokenChecker, tokensOf, readAuthFromEnv } from "./auth.js";
export { openApiDocument, openApiYaml, OPENAPI_YAML_PATH } from "./openapi-document.js";
