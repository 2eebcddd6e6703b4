// The durable journal's records (JetStream streams, see subjects.ts): a failover's outcome as its
// leader saw it, and one audit entry per state-changing request. Readers decode every record read
// back with these schemas and skip (and count) what does not fit: the streams outlive versions.
import { Type } from "typebox";
import type { Static } from "typebox";
import { AddressSchema, Epoch } from "./common.js";
import { AgentIdSchema, MasterName } from "./peer.js";

const v = Type.Literal(1);
const WallMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Field for field the REST API's Failover (the in-memory record), plus who wrote it. */
export const HistoryRecordSchema = Type.Object(
  {
    v,
    type: Type.Literal("failover_record"),
    /** The agent that wrote the record: the failover's leader (or candidate, for an abort). */
    agent: AgentIdSchema,
    master: MasterName,
    epoch: Epoch,
    leader: AgentIdSchema,
    started_at_ms: WallMs,
    ended_at_ms: Type.Union([WallMs, Type.Null()]),
    duration_ms: Type.Union([WallMs, Type.Null()]),
    outcome: Type.String({ minLength: 1, maxLength: 64 }),
    from: Type.Union([AddressSchema, Type.Null()]),
    to: Type.Union([AddressSchema, Type.Null()]),
    events: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 64 }),
          text: Type.String({ maxLength: 4096 }),
          at_ms: WallMs,
          since_start_ms: WallMs,
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
    events_dropped: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const AUDIT_CHANNELS = ["rest", "resp"] as const;

export const AuditRecordSchema = Type.Object(
  {
    v,
    type: Type.Literal("audit_record"),
    /** The agent that served the request. */
    agent: AgentIdSchema,
    at_ms: WallMs,
    channel: Type.Union([Type.Literal("rest"), Type.Literal("resp")]),
    who: Type.Object(
      {
        /** Client address `ip:port`. */
        address: Type.String({ maxLength: 128 }),
        /** REST: `<role> token sha256:<8 hex>` (never the token); RESP: the AUTH user, else null. */
        principal: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
        /** REST: the User-Agent (the CLI sends `sentinel-plane-cli/...`); RESP: CLIENT SETNAME/SETINFO. */
        client: Type.Union([Type.String({ maxLength: 256 }), Type.Null()]),
      },
      { additionalProperties: false },
    ),
    /** `PUT /v1/masters/:name`, `SENTINEL SET`... */
    action: Type.String({ minLength: 1, maxLength: 128 }),
    /** Arguments with secrets redacted. */
    args: Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 64 }),
    master: Type.Union([MasterName, Type.Null()]),
    /** `ok`, or the error code (SP_ERR_..., or the RESP error's first word). */
    outcome: Type.String({ minLength: 1, maxLength: 64 }),
    detail: Type.Union([Type.String({ maxLength: 1024 }), Type.Null()]),
  },
  { additionalProperties: false },
);

export type WireHistoryRecord = Static<typeof HistoryRecordSchema>;
export type WireAuditRecord = Static<typeof AuditRecordSchema>;
export type AuditChannel = (typeof AUDIT_CHANNELS)[number];
