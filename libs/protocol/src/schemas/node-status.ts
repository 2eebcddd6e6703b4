// The status report a data-node publishes on `sp.<cluster>.node.<id>.status`. It is a superset
// of the core's NodeReport (same names where they overlap): see `toNodeReport`.
import { Type } from "typebox";
import type { Static } from "typebox";
import { AddressSchema, Epoch, Host, Id, Offset, Port } from "./common.js";

export const InfoReplicaEntrySchema = Type.Object(
  {
    host: Host,
    port: Port,
    state: Type.String(),
    offset: Type.Integer(),
    lag_s: Type.Number(),
  },
  { additionalProperties: false },
);

/** The core's RedisInfo, field for field. */
export const RedisInfoSchema = Type.Object(
  {
    run_id: Type.String(),
    role: Type.Union([Type.Literal("master"), Type.Literal("slave")]),
    master_repl_offset: Type.Integer(),
    replicas: Type.Array(InfoReplicaEntrySchema, { maxItems: 1024 }),
    master_host: Type.Optional(Type.String()),
    master_port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    master_link_status: Type.Optional(Type.Union([Type.Literal("up"), Type.Literal("down")])),
    master_link_down_since_s: Type.Optional(Type.Integer()),
    slave_repl_offset: Type.Optional(Type.Integer()),
    slave_read_repl_offset: Type.Optional(Type.Integer()),
    slave_read_only: Type.Optional(Type.Boolean()),
    master_sync_in_progress: Type.Optional(Type.Boolean()),
    replica_priority: Type.Integer({ minimum: 0 }),
    replica_announced: Type.Boolean(),
    uptime_s: Type.Integer(),
    replid: Type.String(),
    replid2: Type.String(),
    second_repl_offset: Offset,
    redis_version: Type.String(),
  },
  { additionalProperties: false },
);

export const ProcessStateSchema = Type.Union([
  Type.Object({ state: Type.Literal("running") }, { additionalProperties: false }),
  Type.Object(
    {
      state: Type.Literal("exited"),
      code: Type.Union([Type.Integer(), Type.Null()]),
      signal: Type.Union([Type.String(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
  Type.Object({ state: Type.Literal("not_answering") }, { additionalProperties: false }),
  Type.Object({ state: Type.Literal("unknown") }, { additionalProperties: false }),
]);

export const NodeStatusReportSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("node_status"),
    cluster_id: Id,
    node_id: Id,
    /** Strictly increasing; starts from the wall clock in microseconds at each start. */
    seq: Type.Integer({ minimum: 0 }),
    sent_at_ms: Type.Integer({ minimum: 0 }),
    address: AddressSchema,
    supervised: Type.Boolean(),
    process: ProcessStateSchema,
    /** Latest INFO read; absent when the server did not answer. */
    info: Type.Optional(RedisInfoSchema),
    /** The server refuses writes (min-replicas-to-write set to the fence marker). */
    fenced: Type.Boolean(),
    /** Highest epoch accepted, and from whom (null before the first command). */
    epoch: Epoch,
    epoch_issuer: Type.Union([Id, Type.Null()]),
    /** How long the link to the primary has been down, as this node measured it. */
    link_down_ms: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    last_error: Type.Union([Type.String(), Type.Null()]),
    /**
     * The server came back from a restart with no data although it had some before: never
     * promoted, never a primary replicas sync from (the empty-primary wipe). Cleared once it has
     * synced from a primary.
     */
    data_lost: Type.Optional(Type.Boolean()),
    /** The supervisor's restart state (supervise mode): see the data-node's restart-policy.ts. */
    restart: Type.Optional(
      Type.Object(
        {
          state: Type.Union([
            Type.Literal("running"),
            Type.Literal("backoff"),
            Type.Literal("waiting_for_primary"),
            Type.Literal("held"),
            Type.Literal("crash_loop"),
            Type.Literal("off"),
          ]),
          exits_in_window: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type NodeStatusReport = Static<typeof NodeStatusReportSchema>;
export type WireRedisInfo = Static<typeof RedisInfoSchema>;
export type WireProcessState = Static<typeof ProcessStateSchema>;
