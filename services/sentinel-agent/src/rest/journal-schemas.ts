// Shapes of the durable journals' routes (GET /v1/history, GET /v1/audit): pages newest first,
// the cursor is the stream sequence (`before`), `next_before` is the next page's cursor.
import { Type } from "typebox";
import type { Static, TSchema } from "typebox";
import { FailoverSchema, MasterNameParam } from "./schemas.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

const Seq = Type.Integer({ minimum: 1, description: "Stream sequence of the record: the paging cursor." });
const NextBefore = Nullable(
  Type.Integer({
    minimum: 1,
    description: "Pass as `before` for the next (older) page; null: no older records.",
  }),
);

export const JOURNAL_PAGE_MAX = 500;

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: JOURNAL_PAGE_MAX, default: 50 }));
const Before = Type.Optional(
  Type.Integer({
    minimum: 1,
    description: "Only records with a smaller sequence (the previous page's next_before).",
  }),
);

export const HistoryQuery = Type.Object(
  { limit: Limit, before: Before, master: Type.Optional(MasterNameParam) },
  { additionalProperties: false },
);

export const AuditQuery = Type.Object({ limit: Limit, before: Before }, { additionalProperties: false });

export const HistoryEntrySchema = Type.Intersect([Type.Object({ seq: Seq }), FailoverSchema], {
  title: "HistoryEntry",
});

export const HistoryPageSchema = Type.Object(
  { failovers: Type.Array(HistoryEntrySchema), next_before: NextBefore },
  { title: "HistoryPage" },
);

export const AuditEntrySchema = Type.Object(
  {
    seq: Seq,
    agent: Type.String({ description: "The agent that served the request." }),
    at_ms: Type.Integer({ description: "Wall-clock time (Unix ms)." }),
    channel: Type.Union([Type.Literal("rest"), Type.Literal("resp")]),
    who: Type.Object({
      address: Type.String({ description: "The client's ip:port." }),
      principal: Nullable(
        Type.String({
          description:
            "REST: the token's role and the first 8 hex digits of its SHA-256 (never the token); " +
            "RESP: the AUTH user. Null when none was given.",
        }),
      ),
      client: Nullable(
        Type.String({
          description: "REST: the User-Agent (`sentinel-plane-cli/...`); RESP: the client name.",
        }),
      ),
    }),
    action: Type.String({ description: "`POST /v1/masters/:name/failover`, `SENTINEL SET`..." }),
    args: Type.Array(Type.String(), { description: "Arguments, secret values redacted." }),
    master: Nullable(Type.String()),
    outcome: Type.String({
      description: "`ok`, or the error code (SP_ERR_..., or the RESP error's first word).",
    }),
    detail: Nullable(Type.String()),
  },
  { title: "AuditEntry" },
);

export const AuditPageSchema = Type.Object(
  { entries: Type.Array(AuditEntrySchema), next_before: NextBefore },
  { title: "AuditPage" },
);

export type HistoryEntry = Static<typeof HistoryEntrySchema>;
export type AuditEntry = Static<typeof AuditEntrySchema>;
