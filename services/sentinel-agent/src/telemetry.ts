// OpenTelemetry traces for failovers, derived from the core's events: one trace per failover this
// agent runs (root span `failover`, a child span per state), the context its node commands carry
// to the data-nodes. Through @opentelemetry/api only: a no-op until the process registers the SDK
// (runtime's startTraceExport, when OTEL_* ask for it). Metrics are Prometheus only (rest/metrics.ts,
// operator-metrics.ts): one system, one set of names and units.
import { SpanStatusCode, trace, context } from "@opentelemetry/api";
import type { Span } from "@opentelemetry/api";
import {
  FAILOVER_OUTCOME_SUPERSEDED,
  FAILOVER_STATES,
  failoverEndOf,
  failoverStateEntered,
} from "@sentinel-plane/core";
import type { SentinelEvent } from "@sentinel-plane/core";

const tracer = trace.getTracer("sentinel-plane/sentinel-agent");
interface OpenFailover {
  readonly root: Span;
  readonly epoch: number;
  readonly start_ms: number;
  state: Span | null;
}

/**
 * The child span an event opens: a state's entry event (the core's table of states, so a new state
 * is never missed), or `elected` for `+elected-leader` (the win, between wait-start and select-slave).
 */
function spanOf(name: string): string | null {
  if (name === "+elected-leader") return "elected";
  const state = failoverStateEntered(name);
  return state === null ? null : FAILOVER_STATES[state].span;
}

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
      this.#finish(master, FAILOVER_OUTCOME_SUPERSEDED);
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
    const span = spanOf(event.name);
    if (span !== null) {
      open.state?.end();
      open.state = tracer.startSpan(
        span,
        { attributes: { "sp.epoch": event.epoch } },
        trace.setSpan(context.active(), open.root),
      );
      return;
    }
    // Every ending of the core's table (its two ends and every abort) closes the trace.
    const end = failoverEndOf(event.name);
    if (end !== null) this.#finish(master, end.outcome);
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
