// OpenTelemetry traces for failovers, derived from the core's events: one trace per failover this
// agent runs (root span `failover`, a child span per state), the context its node commands carry
// to the data-nodes. Through @opentelemetry/api only: a no-op until the process registers the SDK
// (runtime's startTraceExport, when OTEL_* ask for it). Metrics are Prometheus only (rest/metrics.ts,
// operator-metrics.ts): one system, one set of names and units.
import { SpanStatusCode, trace, context } from "@opentelemetry/api";
import type { Span } from "@opentelemetry/api";
import { EVENTS } from "@sentinel-plane/core";
import type { SentinelEvent } from "@sentinel-plane/core";

const tracer = trace.getTracer("sentinel-plane/sentinel-agent");
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

  #finish(master: string, outcome: string): void {
    const open = this.#open.get(master);
    if (open === undefined) return;
    this.#open.delete(master);
    open.state?.end();
    open.root.setAttribute("sp.duration_ms", this.#now_ms() - open.start_ms);
    open.root.setAttribute("sp.outcome", outcome);
    open.root.setStatus({ code: outcome === "end" ? SpanStatusCode.OK : SpanStatusCode.ERROR });
    open.root.end();
  }
}
