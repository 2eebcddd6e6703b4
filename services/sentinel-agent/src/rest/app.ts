// The REST app: fastify with TypeBox schemas (validation, serialisation and the OpenAPI 3.1
// document from the same objects), problem+json for every error, bearer tokens, body and rate
// limits, request metrics and spans. Each route group is an encapsulated plugin with its own
// auth hook (route-groups.ts). `buildRestApp` does not listen: the server (server.ts) or a test
// (`app.inject()`) does.
import { randomUUID } from "node:crypto";
import fastifyRateLimit from "@fastify/rate-limit";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { spError } from "@sentinel-plane/protocol";
import Fastify, { LogController } from "fastify";
import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyRequest,
  FastifyServerFactory,
} from "fastify";
import { createServer as createHttpsServer } from "node:https";
import type { TlsOptions } from "node:tls";
import { TokenChecker } from "./auth.js";
import type { RestDeps } from "./deps.js";
import { EventStreams } from "./event-stream.js";
import { extractComponents } from "./openapi-components.js";
import { problemFromError, problemOf, sendProblem } from "./problem.js";
import { LAZY_SCHEMA_COMPILERS } from "./lazy-compilers.js";
import { RequestTelemetry } from "./request-telemetry.js";
import { registerRouteGroups } from "./route-groups.js";

export const API_VERSION = "1.0.0";

/** The OpenAPI document's fixed part; paths and schemas come from the routes. */
export const OPENAPI_BASE = {
  openapi: "3.1.0",
  info: {
    title: "sentinel-plane agent API",
    version: API_VERSION,
    description:
      "Topology, health checks, events, failover history and operations of a sentinel-plane " +
      "agent. Every agent answers reads from its own view plus the committed topology; changes " +
      "take the path of the Sentinel protocol's commands (validated, persisted, propagated to " +
      "every agent) and need a bearer token. Errors are RFC 9457 problem details with a stable " +
      "`code`.",
    license: { name: "MIT", identifier: "MIT" },
  },
  tags: [
    { name: "topology", description: "Masters, replicas, agents and the committed topology." },
    { name: "failover", description: "Failover history." },
    { name: "events", description: "The event stream (Server-Sent Events)." },
    { name: "changes", description: "Monitor, set, remove, reset, failover, switchover." },
    {
      name: "maintenance",
      description: "Maintenance mode (pause with a required expiry) and the anti-flapping acknowledgement.",
    },
    { name: "health", description: "Liveness, readiness and load-balancer checks." },
    { name: "operations", description: "Metrics." },
  ],
  components: {
    securitySchemes: {
      bearerAuth: {
        type: "http" as const,
        scheme: "bearer",
        description: "A token from `sentinel-plane rest-token` (comma-separated for several).",
      },
    },
  },
};

export type RestApp = FastifyInstance & { readonly streams: EventStreams };

/** An empty body is no body (clients send `content-type: application/json` on bodiless POSTs). */
function parseJsonBody(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, value?: unknown) => void,
): void {
  if (body.trim() === "") {
    done(null, undefined);
    return;
  }
  try {
    done(
      null,
      JSON.parse(body, (key, value: unknown) => {
        // Prototype keys are refused outright rather than carried into objects.
        if (key === "__proto__" || key === "constructor") throw new SyntaxError(`forbidden key "${key}"`);
        return value;
      }),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    done(spError("SP_ERR_MALFORMED_REQUEST", [`invalid JSON: ${reason}`]));
  }
}

/** node's https.Server is an http.Server over TLS sockets: fastify serves it unchanged. */
function httpsFactory(options: TlsOptions): FastifyServerFactory {
  return (handler) => createHttpsServer(options, handler);
}

/** The fastify instance: logging, limits, timeouts, TLS, the JSON body parser; no routes yet. */
function createFastify(deps: RestDeps) {
  const limits = deps.limits;
  // Typed as fastify's logger interface: the app's type stays the same with or without one.
  const logger: FastifyBaseLogger | undefined = deps.logger?.child({ component: "rest" });
  const app = Fastify({
    // The agent's JSON logger, bound to each request's id. fastify's per-request lines are off
    // (request metrics cover them); what it logs is errors: ours below and its own (client errors).
    ...(logger === undefined ? { logger: false } : { loggerInstance: logger }),
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "request_id" }),
    genReqId: () => randomUUID(),
    bodyLimit: limits.body_max_bytes,
    keepAliveTimeout: limits.keep_alive_ms,
    connectionTimeout: 0, // SSE streams are long-lived; idle sockets are bounded by keepAliveTimeout
    requestTimeout: 30_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
    ...(deps.https === undefined ? {} : { serverFactory: httpsFactory(deps.https) }),
    // TypeBox validators and fast-json-stringify serialisers, each compiled on its route's first
    // use rather than at start (lazy-compilers.ts says why).
    schemaController: { compilersFactory: LAZY_SCHEMA_COMPILERS },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, parseJsonBody);
  return app;
}

type App = ReturnType<typeof createFastify>;

/** Every error and every unknown route answered as problem+json; unexpected ones logged. */
function setProblemHandlers(app: App, body_max_bytes: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = problemFromError(error, request, body_max_bytes);
    if (problem.status >= 500 && problem.code === "SP_ERR_INTERNAL") {
      request.log.error(
        {
          event: "rest_error",
          err: error,
          method: request.method,
          route: request.routeOptions.url ?? problem.instance,
        },
        "REST request failed",
      );
    }
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      reply,
      problemOf(spError("SP_ERR_NOT_FOUND", [request.method, request.url.split("?")[0] ?? ""]), request.url),
    ),
  );
}

/** The request id header, request metrics and spans, and the SSE streams closed with the app. */
function addLifecycleHooks(app: App, telemetry: RequestTelemetry, streams: EventStreams): void {
  app.addHook("onRequest", (request, reply, done) => {
    // The id of this request in the agent's log: a client or proxy can quote it.
    void reply.header("x-request-id", request.id);
    telemetry.start(request);
    done();
  });
  app.addHook("onResponse", (request, reply, done) => {
    telemetry.end(request, reply.statusCode);
    done();
  });
  app.addHook("onClose", (_instance, done) => {
    streams.closeAll();
    done();
  });
}

/** The global rate limit (when configured) and the OpenAPI document with its /docs viewer. */
async function registerPlugins(app: App, limits: RestDeps["limits"]): Promise<void> {
  if (limits.rate_max > 0) {
    await app.register(fastifyRateLimit, {
      global: true,
      max: limits.rate_max,
      timeWindow: limits.rate_window_ms,
      cache: 10_000,
      errorResponseBuilder: (_request, context) => spError("SP_ERR_RATE_LIMITED", [context.after]),
    });
  }
  await app.register(fastifySwagger, {
    openapi: OPENAPI_BASE,
    transformObject: (documents) =>
      extractComponents("openapiObject" in documents ? documents.openapiObject : documents.swaggerObject),
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/docs" });
}

export async function buildRestApp(deps: RestDeps): Promise<RestApp> {
  const app = createFastify(deps);
  const auth = new TokenChecker(deps.auth);
  const streams = new EventStreams(deps.events, deps.limits.events);
  const telemetry = new RequestTelemetry(deps.metrics);

  setProblemHandlers(app, deps.limits.body_max_bytes);
  addLifecycleHooks(app, telemetry, streams);
  await registerPlugins(app, deps.limits);
  await registerRouteGroups(app, { deps, auth, streams, telemetry });

  app.get("/openapi.json", { schema: { hide: true } }, () => app.swagger());

  return Object.assign(app, { streams });
}
