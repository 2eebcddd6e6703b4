// Messages between agents (`sp.<cluster>.agent.<to>.msg.<from>`, `sp.<cluster>.agents.<from>.msg`) and the
// committed topology record (KV value). Field for field the core's PeerMessage and TopologyRecord
// (libs/core/src/types.ts) plus `v`; the agent checks at compile time that a decoded message is
// assignable to the core's type, so the two cannot drift apart silently.
import { Type } from "typebox";
import type { Static } from "typebox";
import { AddressSchema, Epoch } from "./common.js";

/** Sentinel's myid: 40 hex characters. */
export const AgentIdSchema = Type.String({ pattern: "^[0-9a-f]{40}$" });
export const MasterName = Type.String({ minLength: 1, maxLength: 256 });
const DurationMs = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

export const MasterSettingsSchema = Type.Object(
  {
    quorum: Type.Integer({ minimum: 1, maximum: 1000 }),
    down_after_ms: DurationMs,
    failover_timeout_ms: DurationMs,
    parallel_syncs: Type.Integer({ minimum: 1, maximum: 1000 }),
    master_reboot_down_after_period_ms: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    election_timeout_ms: DurationMs,
    // Optional: absent (an agent of an older version) means 0, off (libs/core promotion-limit.ts).
    max_promotion_lag_bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 50 })),
    max_promotion_lag_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 50 })),
    /** Anti-flapping period (0: off), at most 7 days (libs/core maintenance.ts). */
    failover_block_period_ms: Type.Integer({ minimum: 0, maximum: 604_800_000 }),
    /** 0: never forget. Optional: agents of earlier versions do not send it. */
    forget_after_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);

export const AdminCommandSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal("monitor"),
      name: MasterName,
      address: AddressSchema,
      settings: MasterSettingsSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal("remove"), name: MasterName }, { additionalProperties: false }),
  Type.Object(
    { type: Type.Literal("set"), name: MasterName, settings: Type.Partial(MasterSettingsSchema) },
    { additionalProperties: false },
  ),
  Type.Object(
    { type: Type.Literal("reset"), pattern: Type.String({ maxLength: 256 }) },
    { additionalProperties: false },
  ),
  Type.Object({ type: Type.Literal("failover"), name: MasterName }, { additionalProperties: false }),
]);

const v = Type.Literal(1);

export const PeerMessageSchema = Type.Union([
  Type.Object(
    {
      v,
      type: Type.Literal("hello"),
      from: AgentIdSchema,
      announce: AddressSchema,
      current_epoch: Epoch,
      master_name: MasterName,
      master_address: AddressSchema,
      config_epoch: Epoch,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      v,
      type: Type.Literal("down_opinion"),
      from: AgentIdSchema,
      current_epoch: Epoch,
      master_name: MasterName,
      master_address: AddressSchema,
      down: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      v,
      type: Type.Literal("vote_request"),
      from: AgentIdSchema,
      master_name: MasterName,
      master_address: AddressSchema,
      epoch: Epoch,
      manual: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      v,
      type: Type.Literal("vote_reply"),
      from: AgentIdSchema,
      master_name: MasterName,
      epoch: Epoch,
      leader: Type.Union([AgentIdSchema, Type.Null()]),
      leader_epoch: Epoch,
      /** ms since the voter last granted the master's primary a write lease; null: never (ADR 0001). */
      lease_grant_age_ms: Type.Optional(
        Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
      ),
      /**
       * ms since the voter last granted a lease to a node promoted at an epoch newer than its config
       * epoch (or restarted); null: none that may still hold (ADR 0001).
       */
      promote_grant_age_ms: Type.Optional(
        Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { v, type: Type.Literal("admin"), from: AgentIdSchema, command: AdminCommandSchema },
    { additionalProperties: false },
  ),
]);

export const PEER_MESSAGE_TYPES = ["hello", "down_opinion", "vote_request", "vote_reply", "admin"] as const;

const UnixMs = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const OperatorLabel = Type.String({ minLength: 1, maxLength: 128 });

/** Maintenance mode in the committed record (libs/core maintenance.ts). */
export const OperatorPauseSchema = Type.Object(
  {
    since_unix_ms: UnixMs,
    until_unix_ms: UnixMs,
    by: OperatorLabel,
    resumed_by: Type.Optional(OperatorLabel),
  },
  { additionalProperties: false },
);

export const FailoverAckSchema = Type.Object(
  { failover_unix_ms: UnixMs, at_unix_ms: UnixMs, by: OperatorLabel },
  { additionalProperties: false },
);

export const TopologyRecordSchema = Type.Object(
  {
    v,
    type: Type.Literal("topology"),
    master_name: MasterName,
    config_epoch: Epoch,
    primary: AddressSchema,
    replicas: Type.Array(AddressSchema, { maxItems: 1024 }),
    leader: AgentIdSchema,
    pause: Type.Optional(OperatorPauseSchema),
    auto_failover_unix_ms: Type.Optional(UnixMs),
    ack: Type.Optional(FailoverAckSchema),
  },
  { additionalProperties: false },
);

/** One Sentinel event as published on `sp.<cluster>.events.<master>` (and served by the APIs). */
export const EventMessageSchema = Type.Object(
  {
    v,
    type: Type.Literal("event"),
    /** Per-agent sequence number: resumable streams and duplicate detection. */
    id: Type.Integer({ minimum: 0 }),
    agent: AgentIdSchema,
    time_ms: Type.Integer({ minimum: 0 }),
    name: Type.String({ minLength: 1, maxLength: 64 }),
    level: Type.Union([Type.Literal("warning"), Type.Literal("notice"), Type.Literal("verbose")]),
    master_name: Type.Union([MasterName, Type.Null()]),
    text: Type.String({ maxLength: 4096 }),
    epoch: Epoch,
  },
  { additionalProperties: false },
);

export type WireEventMessage = Static<typeof EventMessageSchema>;
export type WirePeerMessage = Static<typeof PeerMessageSchema>;
export type WireTopologyRecord = Static<typeof TopologyRecordSchema>;
export type WireAdminCommand = Static<typeof AdminCommandSchema>;
export type WireMasterSettings = Static<typeof MasterSettingsSchema>;
