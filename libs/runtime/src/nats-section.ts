// A service config's `nats` section (schema: libs/protocol NatsSectionSchema) with the defaults
// filled and the TLS files read: the one place the data-node and the vip-manager resolve it.
import type { NatsSectionInput, Result } from "@sentinel-plane/protocol";
import { ok } from "@sentinel-plane/protocol";
import { NATS_DEFAULTS } from "./nats.js";
import type { NatsOptions } from "./nats.js";
import { readConfiguredTls } from "./tls-files.js";

/** What a service connects with, but for its client name (it picks its own). */
export type NatsSection = Omit<NatsOptions, "name" | "no_echo">;

/** `where` starts a TLS file error's message (e.g. `node.json`). */
export function resolveNatsSection(input: NatsSectionInput, where: string): Result<NatsSection> {
  const tls = readConfiguredTls(input.tls, `${where}: /nats/tls`);
  if (!tls.ok) return tls;
  return ok({
    servers: input.servers,
    ...(input.user === undefined ? {} : { user: input.user }),
    ...(input.pass === undefined ? {} : { pass: input.pass }),
    ...(input.token === undefined ? {} : { token: input.token }),
    connect_timeout_ms: input.connect_timeout_ms ?? NATS_DEFAULTS.connect_timeout_ms,
    reconnect_wait_ms: input.reconnect_wait_ms ?? NATS_DEFAULTS.reconnect_wait_ms,
    reconnect_jitter_ms: input.reconnect_jitter_ms ?? NATS_DEFAULTS.reconnect_jitter_ms,
    ping_interval_ms: input.ping_interval_ms ?? NATS_DEFAULTS.ping_interval_ms,
    ping_max_out: input.ping_max_out ?? NATS_DEFAULTS.ping_max_out,
    ...(tls.value === undefined ? {} : { tls: tls.value }),
  });
}
