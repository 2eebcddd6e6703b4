// The operator's gate on automatic failovers (libs/core maintenance.ts): maintenance mode per
// master (`/v1/masters/{name}/pause`, `/resume`) and cluster-wide (`/v1/pause`, `/v1/resume`: every
// master monitored now), and the acknowledgement that lifts the anti-flapping block
// (`/v1/masters/{name}/acknowledge`). Each goes through loop.admin(): the core validates it (a
// pause needs an expiry, at most 7 days) and the agent writes it into the master's committed
// record, which every agent follows; the reply comes once it is written. All need `operate`.
import { createHash } from "node:crypto";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { spError } from "@sentinel-plane/protocol";
import type { RestDeps } from "../deps.js";
import {
  ERROR_RESPONSES,
  MasterSchema,
  NameParams,
  OperatorBody,
  PauseBody,
  PausedListSchema,
} from "../schemas.js";
import { adminRoundTrip, bodyOptional } from "./admin-round-trip.js";
import type { AdminRoundTrip } from "./admin-round-trip.js";

const TAGS = ["maintenance"];
const SECURITY = [{ bearerAuth: [] }];

type App = Parameters<FastifyPluginAsyncTypebox<{ deps: RestDeps }>>[0];

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1d` -> milliseconds; null when malformed (the schema's pattern). */
export function durationMs(text: string): number | null {
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(text);
  if (match === null) return null;
  const unit = UNIT_MS[match[2] ?? ""];
  return unit === undefined ? null : Number(match[1]) * unit;
}

/**
 * Who asks, as the record and the events show it: the presented token's fingerprint (a SHA-256
 * prefix: tells tokens apart without revealing one), the client's address, and the caller's own
 * label when given (the CLI sends `cli <user>@<host>`).
 */
export function requesterOf(request: FastifyRequest, label: string | undefined): string {
  const header = request.headers.authorization ?? "";
  const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : "";
  const fingerprint = token === "" ? "none" : createHash("sha256").update(token).digest("hex").slice(0, 8);
  const own = label === undefined ? "" : ` ${label}`;
  return `rest token:${fingerprint} ${request.ip}${own}`;
}

/** The pause's length from the body: `for` or `duration_ms`, exactly one (the expiry is required). */
function pauseLength(body: { readonly for?: string; readonly duration_ms?: number }): number {
  if (body.for !== undefined && body.duration_ms !== undefined)
    throw spError("SP_ERR_PAUSE_EXPIRY_INVALID", ["give `for` or `duration_ms`, not both"]);
  const ms = body.for !== undefined ? durationMs(body.for) : (body.duration_ms ?? null);
  if (ms === null)
    throw spError("SP_ERR_PAUSE_EXPIRY_INVALID", ["a pause needs an expiry (`for`, e.g. `30m`)"]);
  return ms;
}

export const maintenanceRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  const round_trip = adminRoundTrip(deps);
  masterMaintenanceRoutes(app, round_trip);
  acknowledgeRoute(app, round_trip);
  clusterMaintenanceRoutes(app, round_trip, () => [...deps.state().masters.keys()]);
  return Promise.resolve();
};

/** Maintenance mode of one master: pause (with its expiry) and resume. */
function masterMaintenanceRoutes(app: App, round_trip: AdminRoundTrip): void {
  const { run, current } = round_trip;
  app.post(
    "/v1/masters/:name/pause",
    {
      schema: {
        operationId: "pauseMaster",
        summary:
          "Maintenance mode: no automatic failover of the master until the expiry (required, at most " +
          "7 days); detection and events go on, manual failovers and switchovers still work.",
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: PauseBody,
        response: { 200: MasterSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { name } = request.params;
      const duration_ms = pauseLength(request.body);
      await run(name, { type: "pause", name, duration_ms, by: requesterOf(request, request.body.by) });
      return current(name);
    },
  );

  masterActionRoute(app, round_trip, {
    path: "resume",
    type: "resume",
    operationId: "resumeMaster",
    summary: "End the master's maintenance mode before its expiry (no-op when not paused).",
  });
}

/** The acknowledgement of a master's last automatic failover (lifts the anti-flapping block). */
function acknowledgeRoute(app: App, round_trip: AdminRoundTrip): void {
  masterActionRoute(app, round_trip, {
    path: "acknowledge",
    type: "ack_failover",
    operationId: "acknowledgeFailover",
    summary:
      "Acknowledge the master's last automatic failover: lifts its anti-flapping block " +
      "(failover_block_period_ms), so the next automatic failover may start at once.",
  });
}

/** An operator action on one master that carries nothing but who asks (resume, acknowledge). */
interface MasterAction {
  /** `/v1/masters/{name}/<path>`. */
  readonly path: string;
  readonly type: "resume" | "ack_failover";
  readonly operationId: string;
  readonly summary: string;
}

/** The body may be left out; the reply is the master's view once the action is written. */
function masterActionRoute(app: App, { run, current }: AdminRoundTrip, action: MasterAction): void {
  app.post(
    `/v1/masters/:name/${action.path}`,
    {
      schema: {
        operationId: action.operationId,
        summary: action.summary,
        tags: TAGS,
        security: SECURITY,
        params: NameParams,
        body: OperatorBody,
        response: { 200: MasterSchema, ...ERROR_RESPONSES },
      },
      preValidation: bodyOptional,
    },
    async (request) => {
      const { name } = request.params;
      await run(name, { type: action.type, name, by: requesterOf(request, request.body.by) });
      return current(name);
    },
  );
}

/** Cluster-wide maintenance mode: every master monitored now (`all`), one after the other. */
function clusterMaintenanceRoutes(app: App, { run }: AdminRoundTrip, all: () => string[]): void {
  app.post(
    "/v1/pause",
    {
      schema: {
        operationId: "pauseAll",
        summary:
          "Cluster-wide maintenance mode: pauses every master monitored now, with the same expiry " +
          "(a master added later is not paused). Stops at the first refusal.",
        tags: TAGS,
        security: SECURITY,
        body: PauseBody,
        response: { 200: PausedListSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const duration_ms = pauseLength(request.body);
      const by = requesterOf(request, request.body.by);
      const masters = all();
      for (const name of masters) await run(name, { type: "pause", name, duration_ms, by });
      return { masters };
    },
  );

  app.post(
    "/v1/resume",
    {
      schema: {
        operationId: "resumeAll",
        summary: "End the maintenance mode of every master.",
        tags: TAGS,
        security: SECURITY,
        body: OperatorBody,
        response: { 200: PausedListSchema, ...ERROR_RESPONSES },
      },
      preValidation: bodyOptional,
    },
    async (request) => {
      const by = requesterOf(request, request.body.by);
      const masters = all();
      for (const name of masters) await run(name, { type: "resume", name, by });
      return { masters };
    },
  );
}
