// GET /v1/events: Server-Sent Events (event-stream.ts), filtered by master and event names,
// resumable with Last-Event-ID.
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { spError } from "@sentinel-plane/protocol";
import type { FastifyRequest } from "fastify";
import type { RestDeps } from "../deps.js";
import { parseLastEventId, parseTypeFilter } from "../event-stream.js";
import type { EventStreams } from "../event-stream.js";
import { ERROR_RESPONSES, EventSchema, EventsQuery } from "../schemas.js";

export interface EventRoutesOptions {
  readonly deps: RestDeps;
  readonly streams: EventStreams;
  /** Called when the stream takes over the connection (the request's own span/metrics end). */
  readonly on_hijack: (request: FastifyRequest) => void;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRoutesOptions> = (app, { streams, on_hijack }) => {
  app.get(
    "/v1/events",
    {
      schema: {
        operationId: "streamEvents",
        summary:
          "This agent's Sentinel events as Server-Sent Events (`id:` = event id, `event:` = name, " +
          "`data:` = JSON). Resume with the Last-Event-ID header; `: heartbeat` comments keep it alive.",
        tags: ["events"],
        security: [{}, { bearerAuth: [] }],
        querystring: EventsQuery,
        headers: {
          type: "object",
          properties: {
            "last-event-id": { type: "string", description: "Resume after this event id." },
          },
        },
        response: {
          200: {
            description: "An endless text/event-stream; each `data:` line is one Event.",
            content: { "text/event-stream": { schema: EventSchema } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      if (!streams.hasRoom()) throw spError("SP_ERR_OVERLOADED", ["event streams"]);
      const filter = { master: request.query.master, names: parseTypeFilter(request.query.type) };
      const last = parseLastEventId(request.headers["last-event-id"]);
      on_hijack(request);
      reply.hijack();
      if (!streams.serve(reply.raw, filter, last)) {
        reply.raw.writeHead(503, { "content-type": "application/problem+json" });
        reply.raw.end(
          JSON.stringify({
            type: "urn:sentinel-plane:error:SP_ERR_OVERLOADED",
            title: "Service Unavailable",
            status: 503,
            detail: "too many requests in flight (max event listeners)",
            code: "SP_ERR_OVERLOADED",
          }),
        );
      }
      return reply;
    },
  );
  return Promise.resolve();
};
