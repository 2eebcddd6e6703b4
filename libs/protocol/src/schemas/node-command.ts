// Commands to a data-node (request/reply on `sp.<cluster>.node.<id>.cmd`) and their replies.
// Every request carries `(epoch, issuer)`: the data-node refuses a lower epoch before anything
// else, and the same epoch from another issuer.
import { Type } from "typebox";
import type { Static } from "typebox";
import { Epoch, Host, Id, Offset, Port } from "./common.js";
import { NodeStatusReportSchema } from "./node-status.js";

export const NodeCommandBodySchema = Type.Union([
  Type.Object({ type: Type.Literal("promote") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("replicaof"), host: Host, port: Port }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("fence") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("unfence") }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal("status") }, { additionalProperties: false }),
  /** Operator: drop a replica's data and resync it in full from the committed primary. */
  Type.Object({ type: Type.Literal("reinit") }, { additionalProperties: false }),
  /** Operator: reset the restart back-off and crash-loop count (ends a crash loop). */
  Type.Object({ type: Type.Literal("restart_reset") }, { additionalProperties: false }),
  /** Operator: a planned stop of the data-node and its server (a primary switches over first). */
  Type.Object({ type: Type.Literal("shutdown") }, { additionalProperties: false }),
]);

export const NODE_COMMAND_TYPES = [
  "promote",
  "replicaof",
  "fence",
  "unfence",
  "status",
  "reinit",
  "restart_reset",
  "shutdown",
] as const;

export const NodeCommandTypeSchema = Type.Union([
  Type.Literal("promote"),
  Type.Literal("replicaof"),
  Type.Literal("fence"),
  Type.Literal("unfence"),
  Type.Literal("status"),
  Type.Literal("reinit"),
  Type.Literal("restart_reset"),
  Type.Literal("shutdown"),
]);

export const NodeCommandRequestSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("node_command"),
    epoch: Epoch,
    issuer: Id,
    command: NodeCommandBodySchema,
  },
  { additionalProperties: false },
);

const ReplyBase = {
  v: Type.Literal(1),
  type: Type.Literal("node_command_reply"),
  node_id: Id,
  /** The epoch the data-node holds after handling the request. */
  epoch: Epoch,
  epoch_issuer: Type.Union([Id, Type.Null()]),
};

export const NodeCommandReplySchema = Type.Union([
  Type.Object(
    {
      ...ReplyBase,
      ok: Type.Literal(true),
      command: NodeCommandTypeSchema,
      /** What was done, in order (e.g. `REPLICAOF NO ONE`, `CONFIG REWRITE`, `skipped: ...`). */
      done: Type.Array(Type.String(), { maxItems: 64 }),
      role: Type.Union([Type.Literal("master"), Type.Literal("slave")]),
      offset: Offset,
      fenced: Type.Boolean(),
      status: Type.Optional(NodeStatusReportSchema),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...ReplyBase,
      ok: Type.Literal(false),
      code: Type.String({ pattern: "^SP_ERR_[A-Z_]+$" }),
      message: Type.String(),
    },
    { additionalProperties: false },
  ),
]);

export type NodeCommandBody = Static<typeof NodeCommandBodySchema>;
export type NodeCommandRequest = Static<typeof NodeCommandRequestSchema>;
export type NodeCommandReply = Static<typeof NodeCommandReplySchema>;
export type NodeCommandType = (typeof NODE_COMMAND_TYPES)[number];
