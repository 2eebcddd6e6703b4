// Public surface of the REST API for the service. Light on purpose: fastify, TypeBox and Swagger
// load only when RestServer.start() builds the app (app.ts), off the agent's start path. The
// OpenAPI generator (openapi-cli.ts) and the tests import app.ts / openapi-document.ts directly.
export type { RestApp } from "./app.js";
export { LEASE_ANSWER_MS, REST_LIMITS_DEFAULT } from "./deps.js";
export type { RestDeps, RestLimits, Readiness } from "./deps.js";
export { RestServer } from "./server.js";
export type { RestServerOptions } from "./server.js";
export { RestMetrics } from "./metrics.js";
export { FailoverHistory } from "./failover-history.js";
export { VoteBook } from "./votes.js";
export { TokenChecker, tokensOf, readAuthFromEnv } from "./auth.js";
