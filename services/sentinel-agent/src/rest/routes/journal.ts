// The durable journals: GET /v1/history (every failover's record, as its leader wrote it, kept in
// JetStream across restarts) and GET /v1/audit (who changed what). Paged newest first by stream
// sequence. The audit log names clients and their addresses: it needs the `operate` role (the
// people who run failovers must see who else did; reading it is no change, so not `admin` only).
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { spError } from "@sentinel-plane/protocol";
import { errorMessage } from "@sentinel-plane/runtime";
import type { RestDeps } from "../deps.js";
import { auditPage, historyPage } from "../journal-read.js";
import type { RestJournals } from "../journal-read.js";
import { AuditPageSchema, AuditQuery, HistoryPageSchema, HistoryQuery } from "../journal-schemas.js";
import { ERROR_RESPONSES } from "../schemas.js";

function available(deps: RestDeps): RestJournals {
  if (deps.journals === undefined) throw spError("SP_ERR_UNAVAILABLE", ["this agent keeps no journal"]);
  return deps.journals;
}

/** A journal that cannot be read (NATS or JetStream away) is a 503, not a 500. */
async function unavailableOnError<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw spError("SP_ERR_UNAVAILABLE", [`the ${what} journal cannot be read: ${errorMessage(error)}`]);
  }
}

export const historyRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  app.get(
    "/v1/history",
    {
      schema: {
        operationId: "listHistory",
        summary:
          "Durable failover history (JetStream; survives restarts), newest first, paged by `before`. " +
          "Each failover is written once, by its leader, when it ends.",
        tags: ["failover"],
        security: [{}, { bearerAuth: [] }],
        querystring: HistoryQuery,
        response: { 200: HistoryPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const journals = available(deps);
      const q = request.query;
      return unavailableOnError("history", () =>
        historyPage(journals, { before: q.before ?? null, limit: q.limit ?? 50, master: q.master ?? null }),
      );
    },
  );
  return Promise.resolve();
};

export const auditRoutes: FastifyPluginAsyncTypebox<{ deps: RestDeps }> = (app, { deps }) => {
  app.get(
    "/v1/audit",
    {
      schema: {
        operationId: "listAudit",
        summary:
          "Audit log (JetStream): every state-changing request through REST or the Sentinel port, " +
          "refused ones included, newest first, paged by `before`. Needs the operate role.",
        tags: ["failover"],
        security: [{ bearerAuth: [] }],
        querystring: AuditQuery,
        response: { 200: AuditPageSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const journals = available(deps);
      const q = request.query;
      return unavailableOnError("audit", () =>
        auditPage(journals, { before: q.before ?? null, limit: q.limit ?? 50 }),
      );
    },
  );
  return Promise.resolve();
};
