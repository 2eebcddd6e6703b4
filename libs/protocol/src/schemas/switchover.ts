// Switchover on planned shutdown (issue 18): a primary's data-node, told to stop, first asks the
// agents for a zero-loss switchover (the agents' coordinated SENTINEL FAILOVER, switchover.ts).
//
//   data-node -> sp.<cluster>.node.<node_id>.switchover   switchover_request (request/reply)
//   one agent (queue group)                               switchover_reply
//
// The subject names the sender (NATS permissions let a data-node publish only under its own
// node id), so an agent checks the request's node_id against it, as for lease requests.
import { Type } from "typebox";
import type { Static } from "typebox";
import { AddressSchema, Id } from "./common.js";
import { MasterName } from "./peer.js";

export const SwitchoverRequestSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("switchover_request"),
    node_id: Id,
    master_name: MasterName,
    /** The requester's address as the agents know it: it must be the master's primary. */
    address: AddressSchema,
    /** Why, for the agents' log and event (e.g. "SIGTERM"). */
    reason: Type.String({ maxLength: 256 }),
  },
  { additionalProperties: false },
);

export const SwitchoverReplySchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("switchover_reply"),
    /** Which agent answered. */
    from: Type.String({ maxLength: 64 }),
    ok: Type.Boolean(),
    /** On refusal: a code of the protocol's registry and its message. */
    code: Type.Optional(Type.String({ maxLength: 64 })),
    message: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

export type SwitchoverRequest = Static<typeof SwitchoverRequestSchema>;
export type SwitchoverReply = Static<typeof SwitchoverReplySchema>;
