// Who may call what: each route group is an encapsulated plugin with its own auth hook (reads open
// or any token, changes by the role their route needs, the audit log operate, health open, lease
// requests the lease role only, the console open). The order of registration is the routes' order
// in the OpenAPI document.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { SpError } from "@sentinel-plane/protocol";
import { roleForChange } from "./auth.js";
import type { RestRole, TokenChecker } from "./auth.js";
import { auditRestChanges } from "./audit-hook.js";
import { consoleRoutes } from "./console/index.js";
import type { RestDeps } from "./deps.js";
import type { EventStreams } from "./event-stream.js";
import { problemOf, sendProblem } from "./problem.js";
import type { RequestTelemetry } from "./request-telemetry.js";
import { changeRoutes } from "./routes/changes.js";
import { eventRoutes } from "./routes/events.js";
import { healthRoutes } from "./routes/health.js";
import { auditRoutes, historyRoutes } from "./routes/journal.js";
import { leaseRoutes } from "./routes/lease.js";
import { maintenanceRoutes } from "./routes/maintenance.js";
import { nodeRoutes } from "./routes/nodes.js";
import { opsRoutes } from "./routes/ops.js";
import { readRoutes } from "./routes/reads.js";

type App = Parameters<FastifyPluginAsyncTypebox>[0];
type OnRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/** What the route groups share: the token checker, the SSE streams, the request metrics. */
export interface RouteGroupContext {
  readonly deps: RestDeps;
  readonly auth: TokenChecker;
  readonly streams: EventStreams;
  readonly telemetry: RequestTelemetry;
}

/** An onRequest hook answering a refusal as problem+json, or letting the request through. */
function refuseOr(check: (request: FastifyRequest) => SpError | null): OnRequest {
  return (request, reply, done) => {
    const refused = check(request);
    if (refused === null) {
      done();
      return;
    }
    void sendProblem(reply, problemOf(refused, request.url.split("?")[0]));
  };
}

/** The bearer-token hook: `role` when given, else a change's role by its route, else any token. */
function guard(auth: TokenChecker, change: boolean, role?: RestRole): OnRequest {
  return refuseOr((request) => {
    const needed =
      role ?? (change ? roleForChange(request.routeOptions.url ?? request.url.split("?")[0] ?? "") : null);
    return auth.check(request.headers.authorization, needed);
  });
}

/** Reads, the event stream, metrics and the failover history. */
async function registerReads(app: App, { deps, auth, streams, telemetry }: RouteGroupContext): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onRequest", guard(auth, false));
    await scope.register(readRoutes, { deps });
    await scope.register(eventRoutes, {
      deps,
      streams,
      on_hijack: (r) => {
        telemetry.end(r, 200);
      },
    });
    await scope.register(opsRoutes, { deps });
    await scope.register(historyRoutes, { deps });
  });
}

/** Changes, node operations and maintenance: audited when an audit log is configured. */
async function registerChanges(app: App, { deps, auth }: RouteGroupContext): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook("onRequest", guard(auth, true));
    if (deps.audit !== undefined) auditRestChanges(scope, deps.audit, auth);
    await scope.register(changeRoutes, { deps });
    await scope.register(nodeRoutes, { deps });
    await scope.register(maintenanceRoutes, { deps });
  });
}

export async function registerRouteGroups(app: App, context: RouteGroupContext): Promise<void> {
  const { deps, auth } = context;
  await registerReads(app, context);
  await registerChanges(app, context);
  // The audit log names clients and addresses: operate or admin (routes/journal.ts says why).
  await app.register(async (scope) => {
    scope.addHook("onRequest", guard(auth, false, "operate"));
    await scope.register(auditRoutes, { deps });
  });
  await app.register(healthRoutes, { deps });
  // The data-nodes' failsafe lease requests: a token of the lease role, and only that (auth.ts).
  await app.register(async (scope) => {
    scope.addHook(
      "onRequest",
      refuseOr((request) => auth.checkLease(request.headers.authorization)),
    );
    await scope.register(leaseRoutes, { deps, auth });
  });
  // The web console (/ui): static files, open like /docs; its data comes through the API above.
  await app.register(consoleRoutes);
}
