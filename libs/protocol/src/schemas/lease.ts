// The write lease (docs/adr/0001-write-lease.md): a primary's data-node keeps its Redis writable
// only while a majority of agents confirm, recently, that they still name it the primary of the
// current epoch and have voted for no newer failover of its master.
//
//   data-node -> sp.<cluster>.node.<node_id>.lease        lease_request (publish, no reply inbox)
//   agent     -> sp.<cluster>.node.<node_id>.lease.grant  lease_grant   (one per agent per request)
//
// The data-node times a request on its own monotonic clock when it sends it; a lease built from a
// majority of granted answers to request `seq` runs until that send time + the smallest granted
// `lease_ms`. Grants are not requests' replies (NATS request/reply keeps only the first answer).
import { Type } from "typebox";
import type { Static } from "typebox";
import { AddressSchema, Epoch, Id } from "./common.js";
import { AgentIdSchema, MasterName } from "./peer.js";

/** Sequence numbers and counters on the wire: non-negative safe integers. */
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** A lease longer than a minute would make every failover wait that long: refused. */
export const LEASE_MS_MAX = 60_000;

export const LeaseRequestSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("lease_request"),
    node_id: Id,
    master_name: MasterName,
    /** This node's address as the agents know it (the data-node's `announce`). */
    address: AddressSchema,
    /** The highest epoch the data-node accepted. */
    epoch: Epoch,
    /** Strictly increasing per data-node process; grants echo it. */
    seq: Seq,
    /**
     * A promote command of `epoch` made this node master (ADR 0001: promote-leases); absent:
     * false. An old primary fenced at `epoch` holds the same epoch without it.
     */
    promoted: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const LeaseGrantSchema = Type.Object(
  {
    v: Type.Literal(1),
    type: Type.Literal("lease_grant"),
    from: AgentIdSchema,
    node_id: Id,
    master_name: MasterName,
    seq: Seq,
    /** False: this agent does not (or no longer) name the requester primary; `reason` says why. */
    granted: Type.Boolean(),
    /** The agent's config epoch for the master. */
    config_epoch: Epoch,
    /**
     * The epoch this grant vouches for: config_epoch, or the request's newer epoch when it
     * comes from a node promoted at that epoch (ADR 0001). Absent (an older agent): config_epoch.
     */
    epoch: Type.Optional(Epoch),
    /** How long the lease may run from the request's send time (the agent's setting). */
    lease_ms: Type.Integer({ minimum: 1, maximum: LEASE_MS_MAX }),
    /** Agents this agent knows for the master, itself included: a majority is of this count. */
    agents_known: Type.Integer({ minimum: 1, maximum: 1000 }),
    reason: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);

export type LeaseRequest = Static<typeof LeaseRequestSchema>;
export type LeaseGrant = Static<typeof LeaseGrantSchema>;
