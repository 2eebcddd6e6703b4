// Every request and response shape of the REST API, defined once: fastify validates requests and
// serialises responses with them, and @fastify/swagger turns the same objects into the OpenAPI 3.1
// document (served at /openapi.json, checked in as openapi/openapi.yaml). Field names follow the
// core (units last); bodies refuse unknown fields (additionalProperties: false).
import { Type } from "typebox";
import type { Static, TSchema } from "typebox";
import { FAILOVER_ENDS, FAILOVER_OUTCOME_SUPERSEDED, PROMOTION_LAG_MAX } from "@sentinel-plane/core";

const MS_MAX = 2_147_483_647; // sentinel.conf keeps times in a C int

export const MasterNameParam = Type.String({
  minLength: 1,
  maxLength: 128,
  pattern: "^[^\\s]+$",
  description: "The master's name (as in `sentinel monitor <name> ...`).",
});

export const NameParams = Type.Object({ name: MasterNameParam }, { additionalProperties: false });

export const AddressSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
  },
  { additionalProperties: false, title: "Address" },
);

/** `host:port` in query strings and bodies (IPv6 hosts: the last colon separates the port). */
export const HostPort = Type.String({
  minLength: 3,
  maxLength: 262,
  pattern: "^\\S+:[0-9]{1,5}$",
  description: "An address as `host:port`, e.g. `10.0.0.5:6379`.",
  examples: ["127.0.0.1:6380"],
});

const Quorum = Type.Integer({ minimum: 1, maximum: 10_000 });
const PositiveMs = Type.Integer({ minimum: 1, maximum: MS_MAX });
const ParallelSyncs = Type.Integer({ minimum: 1, maximum: 10_000 });

export const SettingsSchema = Type.Object(
  {
    quorum: Type.Integer(),
    down_after_ms: Type.Integer(),
    failover_timeout_ms: Type.Integer(),
    parallel_syncs: Type.Integer(),
    master_reboot_down_after_period_ms: Type.Integer(),
    election_timeout_ms: Type.Integer(),
    max_promotion_lag_bytes: Type.Optional(
      Type.Integer({ description: "Promotion limit in bytes of replication stream; absent or 0: off." }),
    ),
    max_promotion_lag_ms: Type.Optional(
      Type.Integer({ description: "Promotion limit in milliseconds; absent or 0: off." }),
    ),
    failover_block_period_ms: Type.Integer({
      description:
        "Anti-flapping: no automatic failover this long after the last one, unless acknowledged (0: off).",
    }),
    forget_after_ms: Type.Optional(Type.Integer({ description: "Absent: the default (one hour)." })),
  },
  { title: "Settings" },
);

const UnixMs = Type.Integer({ minimum: 0, description: "Wall-clock time, Unix milliseconds (UTC)." });

export const OperatorSchema = Type.Object(
  {
    paused: Type.Boolean({ description: "Maintenance mode: no automatic failover starts." }),
    pause: Type.Union([
      Type.Object({
        since_unix_ms: UnixMs,
        until_unix_ms: UnixMs,
        by: Type.String({
          description: "Who paused: `rest token:<sha256 prefix> <ip>`, `resp <addr>`, `cli ...`.",
        }),
        resumed_by: Type.Optional(Type.String()),
      }),
      Type.Null(),
    ]),
    last_auto_failover_unix_ms: Type.Union([UnixMs, Type.Null()]),
    ack: Type.Union([
      Type.Object({ failover_unix_ms: UnixMs, at_unix_ms: UnixMs, by: Type.String() }),
      Type.Null(),
    ]),
    failover_block_period_ms: Type.Integer({ minimum: 0 }),
    failover_blocked_until_unix_ms: Type.Union([UnixMs, Type.Null()], {
      description: "Anti-flapping blocks automatic failovers until then (null: not blocked).",
    }),
  },
  { title: "OperatorControls" },
);

export const MasterSchema = Type.Object(
  {
    name: Type.String(),
    address: AddressSchema,
    config_epoch: Type.Integer({ minimum: 0 }),
    flags: Type.Array(Type.String(), {
      description: "Sentinel's flags: master, s_down, o_down, disconnected, failover_in_progress.",
    }),
    quorum: Type.Integer({ minimum: 1 }),
    settings: SettingsSchema,
    failover: Type.Union([
      Type.Object({
        state: Type.String({ description: "The core's failover state (wait-start, select-slave, ...)." }),
        epoch: Type.Integer({ minimum: 0 }),
        kind: Type.String({
          description:
            "auto (ODOWN), manual (failover/switchover), reassert (re-commit the primary) or adopt (commit a node an uncommitted failover promoted).",
        }),
        target: Type.Union([AddressSchema, Type.Null()]),
      }),
      Type.Null(),
    ]),
    num_replicas: Type.Integer({ minimum: 0 }),
    num_agents: Type.Integer({ minimum: 1, description: "Agents monitoring it, this one included." }),
    operator: OperatorSchema,
  },
  { title: "Master" },
);

export const MasterListSchema = Type.Object({ masters: Type.Array(MasterSchema) }, { title: "MasterList" });

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ReplicaSchema = Type.Object(
  {
    address: AddressSchema,
    role: Type.Union([Type.Literal("master"), Type.Literal("slave")]),
    link_status: Type.Union([Type.Literal("up"), Type.Literal("down"), Type.Literal("unknown")]),
    offset: Type.Integer({ description: "The replica's slave_repl_offset (bytes)." }),
    lag_bytes: Nullable(Type.Integer({ minimum: 0 })),
    lag_s: Nullable(Type.Integer({ minimum: 0 })),
    priority: Type.Integer({ minimum: 0 }),
    flags: Type.Array(Type.String()),
    run_id: Nullable(Type.String()),
    info_age_ms: Nullable(Type.Integer({ minimum: 0 })),
  },
  { title: "Replica" },
);

export const ReplicaListSchema = Type.Object(
  { replicas: Type.Array(ReplicaSchema) },
  { title: "ReplicaList" },
);

export const AgentSchema = Type.Object(
  {
    id: Type.String(),
    address: AddressSchema,
    self: Type.Boolean({ description: "True for the agent answering this request." }),
    last_seen_ms_ago: Nullable(Type.Integer({ minimum: 0 })),
    leader: Nullable(Type.String({ description: "Whom the agent last voted for (null: unknown)." })),
    leader_epoch: Nullable(Type.Integer({ minimum: 0 })),
    sees_master_down: Type.Boolean(),
  },
  { title: "Agent" },
);

export const AgentListSchema = Type.Object({ agents: Type.Array(AgentSchema) }, { title: "AgentList" });

export const TopologyRecordSchema = Type.Object(
  {
    master_name: Type.String(),
    config_epoch: Type.Integer({ minimum: 0 }),
    primary: AddressSchema,
    replicas: Type.Array(AddressSchema),
    leader: Type.String(),
  },
  { title: "TopologyRecord" },
);

export const TopologySchema = Type.Object(
  {
    record: Nullable(TopologyRecordSchema),
    revision: Type.Integer({
      minimum: 0,
      description: "JetStream KV revision; 0 when nothing is committed.",
    }),
  },
  { title: "Topology" },
);

export const FailoverEventSchema = Type.Object(
  {
    name: Type.String(),
    text: Type.String(),
    at_ms: Type.Integer({ description: "Wall-clock time this agent received it (Unix ms)." }),
    since_start_ms: Type.Integer({ minimum: 0 }),
  },
  { title: "FailoverEvent" },
);

/** The outcomes of the aborts, in the table's order. */
const ABORT_OUTCOMES = Object.entries(FAILOVER_ENDS)
  .filter(([, end]) => !end.completed)
  .map(([, end]) => end.outcome);

export const FailoverSchema = Type.Object(
  {
    master: Type.String(),
    epoch: Type.Integer({ minimum: 0 }),
    leader: Type.String({ description: "The agent that ran it." }),
    started_at_ms: Type.Integer(),
    ended_at_ms: Nullable(Type.Integer()),
    duration_ms: Nullable(Type.Integer({ minimum: 0 })),
    outcome: Type.String({
      // The core's table of endings (FAILOVER_ENDS): a new abort reason is listed here by itself.
      description:
        `in-progress, ${FAILOVER_ENDS["+failover-end"].outcome}, ` +
        `${FAILOVER_ENDS["+failover-end-for-timeout"].outcome}, ${FAILOVER_OUTCOME_SUPERSEDED}, or the ` +
        `abort reason (${ABORT_OUTCOMES.join(", ")}).`,
    }),
    from: Nullable(AddressSchema),
    to: Nullable(AddressSchema),
    events: Type.Array(FailoverEventSchema),
    events_dropped: Type.Integer({ minimum: 0 }),
  },
  { title: "Failover" },
);

export const FailoverListSchema = Type.Object(
  { failovers: Type.Array(FailoverSchema) },
  { title: "FailoverList" },
);

export const FailoversQuery = Type.Object(
  {
    master: Type.Optional(MasterNameParam),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  },
  { additionalProperties: false },
);

export const EventsQuery = Type.Object(
  {
    master: Type.Optional(MasterNameParam),
    type: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 2048,
        description: "Comma-separated event names, e.g. `%2Bswitch-master,%2Bsdown` (encode `+` as `%2B`).",
      }),
    ),
  },
  { additionalProperties: false },
);

export const EventSchema = Type.Object(
  {
    id: Type.Integer({ minimum: 1 }),
    agent: Type.String(),
    time_ms: Type.Integer(),
    name: Type.String(),
    level: Type.String(),
    master: Nullable(Type.String()),
    text: Type.String(),
    epoch: Type.Integer({ minimum: 0 }),
  },
  { title: "Event" },
);

export const PrimaryQuery = Type.Object({ address: HostPort }, { additionalProperties: false });

export const ReplicaQuery = Type.Object(
  {
    address: HostPort,
    max_lag_bytes: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

export const HealthCheckSchema = Type.Object(
  {
    address: Type.String(),
    role: Type.Union([Type.Literal("primary"), Type.Literal("replica")]),
    master: Type.String(),
    lag_bytes: Type.Optional(Nullable(Type.Integer({ minimum: 0 }))),
  },
  { title: "HealthCheck" },
);

export const HealthzSchema = Type.Object(
  {
    status: Type.Literal("ok"),
    myid: Type.String(),
    uptime_s: Type.Integer({ minimum: 0 }),
  },
  { title: "Healthz" },
);

export const ReadyzSchema = Type.Object(
  {
    ready: Type.Literal(true),
    nats_connected: Type.Boolean(),
    last_step_age_ms: Type.Integer({ minimum: 0 }),
  },
  { title: "Readyz" },
);

export const MonitorBody = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255, pattern: "^\\S+$" }),
    port: Type.Integer({ minimum: 1, maximum: 65_535 }),
    quorum: Quorum,
    down_after_ms: Type.Optional(PositiveMs),
    failover_timeout_ms: Type.Optional(PositiveMs),
    parallel_syncs: Type.Optional(ParallelSyncs),
  },
  { additionalProperties: false, title: "MonitorRequest" },
);

export const SetBody = Type.Object(
  {
    quorum: Type.Optional(Quorum),
    down_after_ms: Type.Optional(PositiveMs),
    failover_timeout_ms: Type.Optional(PositiveMs),
    parallel_syncs: Type.Optional(ParallelSyncs),
    master_reboot_down_after_period_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: MS_MAX })),
    max_promotion_lag_bytes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: PROMOTION_LAG_MAX,
        description:
          "A failover does not promote a replica more than this many bytes of replication stream " +
          "behind the old primary's last known offset (Patroni's maximum_lag_on_failover); 0: off " +
          "(the default). 1: no write may be missing.",
      }),
    ),
    max_promotion_lag_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: PROMOTION_LAG_MAX,
        description:
          "A failover does not promote a replica whose data may be older than this, judged from " +
          "the primary's sampled offsets (1 s granularity with a data-node); 0: off (the default).",
      }),
    ),
    failover_block_period_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 604_800_000 })),
    forget_after_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MS_MAX,
        description: "Forget replicas and agents unseen for this long (0: never; default one hour).",
      }),
    ),
  },
  { additionalProperties: false, title: "SetRequest", minProperties: 1 },
);

export const FailoverBody = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({
        description:
          "Promote the best replica even when it is beyond max-promotion-lag (its missing writes " +
          "are lost; the event `+promotion-lag-forced` says so). Default false.",
      }),
    ),
  },
  { additionalProperties: false, title: "FailoverRequest" },
);

/**
 * The caller's own label in an operator request, recorded with the token's fingerprint
 * (maintenance.ts requesterOf): one definition, so a pause and a resume take the same labels.
 */
const RequesterLabel = Type.Optional(
  Type.String({
    minLength: 1,
    maxLength: 64,
    description: "Who asks (shown with the token's fingerprint).",
  }),
);

export const PauseBody = Type.Object(
  {
    for: Type.Optional(
      Type.String({
        pattern: "^[0-9]+(ms|s|m|h|d)$",
        description: "How long: `90s`, `30m`, `2h`, `1d` (at most 7 days). Either this or duration_ms.",
        examples: ["30m"],
      }),
    ),
    duration_ms: Type.Optional(Type.Integer({ description: "How long, in milliseconds." })),
    by: RequesterLabel,
  },
  { additionalProperties: false, title: "PauseRequest" },
);

export const OperatorBody = Type.Object(
  {
    by: RequesterLabel,
  },
  { additionalProperties: false, title: "OperatorRequest" },
);

export const PausedListSchema = Type.Object(
  { masters: Type.Array(Type.String()) },
  { title: "PausedList", description: "The masters the cluster-wide pause or resume was applied to." },
);

export const SwitchoverBody = Type.Object(
  { to: Type.Optional(HostPort) },
  { additionalProperties: false, title: "SwitchoverRequest" },
);

export const AcceptedSchema = Type.Object({ accepted: Type.Literal(true) }, { title: "Accepted" });

export const OkSchema = Type.Object({ ok: Type.Literal(true) }, { title: "Ok" });

export const ResetSchema = Type.Object(
  { ok: Type.Literal(true), reset: Type.Integer({ minimum: 0 }) },
  { title: "ResetResult" },
);

/** RFC 9457 problem details, with our stable `code` from the protocol's error registry. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: "A URI naming the problem type (`urn:sentinel-plane:error:<code>`)." }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    code: Type.String({ pattern: "^SP_ERR_[A-Z_]+$" }),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: "Each failed validation rule (validation errors only).",
      }),
    ),
  },
  { title: "Problem" },
);

export type Problem = Static<typeof ProblemSchema>;
export type Master = Static<typeof MasterSchema>;
export type Replica = Static<typeof ReplicaSchema>;
export type AgentEntry = Static<typeof AgentSchema>;
export type Failover = Static<typeof FailoverSchema>;
export type FailoverEvent = Static<typeof FailoverEventSchema>;
export type RestEvent = Static<typeof EventSchema>;

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

/** The response entry for problem+json under a status (or `4xx`/`5xx`) key. */
export function problemResponse(description: string): {
  description: string;
  content: { [PROBLEM_MEDIA_TYPE]: { schema: typeof ProblemSchema } };
} {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: ProblemSchema } } };
}

/** 4xx and 5xx responses every route may give. */
export const ERROR_RESPONSES = {
  "4xx": problemResponse("Client error (RFC 9457 problem details)."),
  "5xx": problemResponse("Server error (RFC 9457 problem details)."),
} as const;
