// W3C trace context across NATS: the sender writes `traceparent` (and `tracestate`) into the
// message headers, the receiver starts its span as a child of it, so an agent's failover trace and
// the data-node command spans it caused are one trace. Both are no-ops until an SDK is registered
// (otel-export.ts): the API's propagator then writes nothing and no header is sent.
import { context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import type { Context, TextMapGetter, TextMapSetter } from "@opentelemetry/api";
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { MsgHdrs } from "@nats-io/transport-node";

const setter: TextMapSetter<Record<string, string>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<MsgHdrs> = {
  keys: (carrier) => carrier.keys(),
  get: (carrier, key) => {
    const value = carrier.get(key);
    return value === "" ? undefined : value;
  },
};

/** Headers carrying `ctx` (default: the active context); undefined when there is nothing to carry. */
export function traceHeaders(ctx: Context = context.active()): MsgHdrs | undefined {
  const fields: Record<string, string> = {};
  propagation.inject(ctx, fields, setter);
  const entries = Object.entries(fields);
  if (entries.length === 0) return undefined;
  const h = natsHeaders();
  for (const [key, value] of entries) h.set(key, value);
  return h;
}

/** The context a received message's headers carry (the root context when they carry none). */
export function contextFromHeaders(h: MsgHdrs | undefined): Context {
  if (h === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, h, getter);
}

/** Runs `fn` with a received message's trace context active: spans it starts join the sender's trace. */
export function inMessageContext<T>(h: MsgHdrs | undefined, fn: () => T): T {
  return context.with(contextFromHeaders(h), fn);
}
