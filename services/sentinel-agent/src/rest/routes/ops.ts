// /metrics (Prometheus text) and /openapi.json (the document @fastify/swagger builds from the
// route schemas).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { RestDeps } from "../deps.js";
import { ERROR_RESPONSES } from "../schemas.js";

export const opsRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  app.get(
    "/metrics",
    {
      schema: {
        operationId: "metrics",
        summary: "Prometheus metrics (text exposition format).",
        tags: ["operations"],
        security: [{}, { bearerAuth: [] }],
        response: {
          200: {
            description: "Prometheus text format 0.0.4.",
            content: { "text/plain": { schema: Type.String() } },
          },
          ...ERROR_RESPONSES,
        },
      },
    },
    async (_request, reply) => {
      const text = await deps.metrics.render();
      return reply.type(deps.metrics.contentType).send(text);
    },
  );
  return Promise.resolve();
};
