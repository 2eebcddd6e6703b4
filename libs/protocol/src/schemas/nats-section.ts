// The `nats` section of a service's JSON config (data-node, vip-manager): servers, credentials,
// timings and TLS files. One schema so the services cannot drift apart; the runtime fills the
// defaults (libs/runtime config-env.ts resolveNatsSection).
import { Type } from "typebox";
import type { Static } from "typebox";
import { TlsFilesSchema } from "./tls-files.js";

const PositiveMs = Type.Integer({ minimum: 1, maximum: 3_600_000 });
const NonEmpty = Type.String({ minLength: 1 });

export const NatsSectionSchema = Type.Object(
  {
    servers: Type.Array(NonEmpty, { minItems: 1, maxItems: 32 }),
    user: Type.Optional(NonEmpty),
    pass: Type.Optional(Type.String()),
    token: Type.Optional(NonEmpty),
    connect_timeout_ms: Type.Optional(PositiveMs),
    reconnect_wait_ms: Type.Optional(PositiveMs),
    reconnect_jitter_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000 })),
    ping_interval_ms: Type.Optional(PositiveMs),
    ping_max_out: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** CA, client certificate and key for a NATS server with TLS (`tls { verify: true }`). */
    tls: Type.Optional(TlsFilesSchema),
  },
  { additionalProperties: false },
);

export type NatsSectionInput = Static<typeof NatsSectionSchema>;
