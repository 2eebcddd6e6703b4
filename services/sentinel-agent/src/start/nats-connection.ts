// The agent's NATS connection (its own user, token or TLS material), with the event hub
// publishing on it from now on.
import { connectNats, NATS_DEFAULTS } from "@sentinel-plane/runtime";
import type { NatsConnection } from "@sentinel-plane/runtime";
import type { EventHub } from "../event-hub.js";
import type { AgentBase } from "./agent-base.js";

export async function connectAgentNats(base: AgentBase, events: EventHub): Promise<NatsConnection> {
  const { plane, tls } = base;
  const nc: NatsConnection = await connectNats(
    {
      servers: plane.nats_servers,
      name: `sentinel-agent-${base.myid.slice(0, 8)}`,
      ...(plane.nats_user === null ? {} : { user: plane.nats_user }),
      ...(plane.nats_pass === null ? {} : { pass: plane.nats_pass }),
      ...(plane.nats_token === null ? {} : { token: plane.nats_token }),
      ...(tls.nats === undefined ? {} : { tls: tls.nats }),
      ...NATS_DEFAULTS,
      // Our own broadcasts (a hello per master per second) would only be decoded and dropped.
      no_echo: true,
    },
    base.logger,
  );
  events.attach(nc);
  return nc;
}
