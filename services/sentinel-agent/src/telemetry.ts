// OpenTelemetry for failovers, derived from the core's events: one trace per failover this agent
// leads (root span `failover`, a child span per state), and metrics (failovers by outcome, their
// duration, SDOWN/ODOWN transitions, probe latency). Through @opentelemetry/api only: a no-op
// until the process registers an SDK and exporters.
import { metrics, SpanStatusCode, trace, context } from "@opentelemetry/api";
import type { Span } from "@opentelemetry/api";
import { EVENTS } from "@sentinel-plane/core";
import type { SentinelEvent } from "@sentinel-plane/core";

const tracer = trace.getTracer("sentinel-plane/sentinel-agent");
const meter = metrics.getMeter("sentinel-plane/sentinel-agent");

const failovers = meter.createCounter("sp_failovers_total", {
  description: "Failovers this agent led, by outcome (end, timeout, abort reason).",
});
const failover_duration = meter.createHistogram("sp_failover_duration_ms", {
  description: "From +try-failover to +failover-end on the leading agent.",
  unit: "ms",
});
const transitions = meter.createCounter("sp_down_transitions_total", {
  description: "+sdown/-sdown/+odown/-odown events, by name and instance type.",
});
const probe_latency = meter.createHistogram("sp_probe_latency_ms", {
  description: "PING/INFO round trips to Redis instances.",
  unit: "ms",
});

interface OpenFailover {
  readonly root: Span;
  readonly epoch: number;
  readonly start_ms: number;
  state: Span | null;
}

/**
 * Events ending a failover, and the outcome label they record: the two ends, and every
 * `-failover-abort-*` of the core's events table (derived, so a new abort reason is never missed).
 */
export const ENDINGS: Readonly<Record<string, string>> = {
  "+failover-end": "end",
  "+failover-end-for-timeout": "timeout",
  ...Object.fromEntries(
    Object.keys(EVENTS)
      .filter((name) => name.startsWith("-failover-abort-"))
      .map((name) => [name, name.slice("-failover-abort-".length)]),
  ),
};

export class FailoverTelemetry {
  readonly #open = new Map<string, OpenFailover>();
  readonly #now_ms: () => number;

  constructor(now_ms: () => number) {
    this.#now_ms = now_ms;
  }

  observe(event: SentinelEvent): void {
    const master = event.master_name;
    if (
      event.name === "+sdown" ||
      event.name === "-sdown" ||
      event.name === "+odown" ||
      event.name === "-odown"
    ) {
      transitions.add(1, { event: event.name, instance: event.text.split(" ")[0] ?? "?" });
    }
    if (master === null) return;
    if (event.name === "+try-failover") {
      this.#finish(master, "superseded");
      // root: a failover is its own trace, even when a REST request (its own span) started it.
      const root = tracer.startSpan("failover", {
        root: true,
        attributes: { "sp.master": master, "sp.epoch": event.epoch, "sp.payload": event.text },
      });
      this.#open.set(master, { root, epoch: event.epoch, start_ms: this.#now_ms(), state: null });
      return;
    }
    const open = this.#open.get(master);
    if (open === undefined) return;
    open.root.addEvent(event.name, { "sp.payload": event.text });
    if (event.name.startsWith("+failover-state-") || event.name === "+elected-leader") {
      open.state?.end();
      const name = event.name === "+elected-leader" ? "elected" : event.name.slice("+failover-state-".length);
      open.state = tracer.startSpan(
        name,
        { attributes: { "sp.epoch": event.epoch } },
        trace.setSpan(context.active(), open.root),
      );
      return;
    }
    const outcome = ENDINGS[event.name];
    if (outcome !== undefined) this.#finish(master, outcome);
  }

  /**
   * Runs `fn` (a node command of this epoch) inside the open failover's current state span, so
   * the command's NATS headers carry that span and the data-node's span joins the trace.
   */
  inFailover<T>(epoch: number, fn: () => T): T {
    for (const open of this.#open.values()) {
      if (open.epoch !== epoch) continue;
      return context.with(trace.setSpan(context.active(), open.state ?? open.root), fn);
    }
    return fn();
  }

  probeLatency(kind: "ping" | "info", ok: boolean, latency_ms: number): void {
    probe_latency.record(latency_ms, { kind, ok: String(ok) });
  }

  #finish(master: string, outcome: string): void {
    const open = this.#open.get(master);
    if (open === undefined) return;
    this.#open.delete(master);
    open.state?.end();
    const duration_ms = this.#now_ms() - open.start_ms;
    open.root.setAttribute("sp.outcome", outcome);
    open.root.setStatus({ code: outcome === "end" ? SpanStatusCode.OK : SpanStatusCode.ERROR });
    open.root.end();
    failovers.add(1, { outcome });
    if (outcome === "end") failover_duration.record(duration_ms, { master });
  }
}
