// Health checks: /healthz (the process answers), /readyz (NATS connected and the loop stepping),
// and Patroni-style /primary and /replica for load balancers: 200 when the given address is the
// primary (or a healthy replica within a lag bound) as this agent sees it, 503 otherwise.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { spError } from "@sentinel-plane/protocol";
import { addressKey } from "@sentinel-plane/core";
import { parseHostPort } from "../address.js";
import type { RestDeps } from "../deps.js";
import {
  ERROR_RESPONSES,
  HealthCheckSchema,
  HealthzSchema,
  PrimaryQuery,
  problemResponse,
  ReadyzSchema,
  ReplicaQuery,
} from "../schemas.js";
import { primaryHealth, replicaHealth } from "../views.js";

const TAGS = ["health"];

function keyOf(text: string): string {
  const address = parseHostPort(text);
  if (address === null) throw spError("SP_ERR_INVALID_REQUEST", [`querystring/address must be host:port`]);
  return addressKey(address);
}

type App = Parameters<FastifyPluginAsyncTypebox<{ deps: RestDeps }>>[0];

export const healthRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  processRoutes(app, deps);
  roleRoutes(app, deps);
  return Promise.resolve();
};

/** The agent itself: alive, ready. */
function processRoutes(app: App, deps: RestDeps): void {
  app.get(
    "/healthz",
    {
      schema: {
        operationId: "healthz",
        summary: "Liveness: the agent process answers.",
        tags: TAGS,
        response: { 200: HealthzSchema, ...ERROR_RESPONSES },
      },
    },
    () => ({ status: "ok" as const, myid: deps.myid, uptime_s: Math.max(0, Math.floor(deps.uptime_s())) }),
  );

  app.get(
    "/readyz",
    {
      schema: {
        operationId: "readyz",
        summary: "Readiness: connected to NATS and the agent's loop stepped recently.",
        tags: TAGS,
        response: { 200: ReadyzSchema, 503: problemResponse("Not ready."), ...ERROR_RESPONSES },
      },
    },
    () => {
      const r = deps.readiness();
      const age_ms = Math.max(0, Math.round(r.last_step_age_ms));
      if (!r.nats_connected) throw spError("SP_ERR_NOT_READY", ["not connected to NATS"]);
      if (r.topology !== undefined && !r.topology.watching) {
        throw spError("SP_ERR_NOT_READY", [`the committed topology is not followed: ${r.topology.reason}`]);
      }
      if (age_ms > deps.limits.step_max_age_ms) {
        throw spError("SP_ERR_NOT_READY", [`the agent loop has not stepped for ${age_ms} ms`]);
      }
      return { ready: true as const, nats_connected: true, last_step_age_ms: age_ms };
    },
  );
}

/** Patroni-style role checks for load balancers. */
function roleRoutes(app: App, deps: RestDeps): void {
  app.get(
    "/primary",
    {
      schema: {
        operationId: "isPrimary",
        summary:
          "200 if the address is the primary of a monitored master (and not down or fenced), else 503.",
        tags: TAGS,
        querystring: PrimaryQuery,
        response: {
          200: HealthCheckSchema,
          503: problemResponse("Not the primary."),
          ...ERROR_RESPONSES,
        },
      },
    },
    (request) => {
      const answer = primaryHealth(deps.state(), keyOf(request.query.address));
      if (!answer.ok) throw spError("SP_ERR_NOT_PRIMARY", [`${request.query.address} (${answer.reason})`]);
      return { address: request.query.address, role: "primary" as const, master: answer.master };
    },
  );

  app.get(
    "/replica",
    {
      schema: {
        operationId: "isReplica",
        summary:
          "200 if the address is a replica that is up and streaming from its primary, within " +
          "max_lag_bytes when given; else 503.",
        tags: TAGS,
        querystring: ReplicaQuery,
        response: {
          200: HealthCheckSchema,
          503: problemResponse("Not a healthy replica."),
          ...ERROR_RESPONSES,
        },
      },
    },
    (request) => {
      const { address, max_lag_bytes } = request.query;
      const answer = replicaHealth(deps.state(), keyOf(address), max_lag_bytes);
      if (!answer.ok) throw spError("SP_ERR_NOT_HEALTHY_REPLICA", [address, answer.reason]);
      return {
        address,
        role: "replica" as const,
        master: answer.master,
        lag_bytes: answer.lag_bytes ?? null,
      };
    },
  );
}
