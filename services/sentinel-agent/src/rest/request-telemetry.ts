// One OpenTelemetry span per request (a no-op until the process registers an SDK) and the request
// duration histogram. The route pattern (`/v1/masters/:name`), never the raw URL, names spans and
// labels metrics, so neither grows with what clients send.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Span } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import type { RestMetrics } from "./metrics.js";

const tracer = trace.getTracer("sentinel-plane/sentinel-agent/rest");

interface Open {
  readonly span: Span;
  readonly started_ms: number;
}

export class RequestTelemetry {
  readonly #metrics: RestMetrics;
  readonly #open = new WeakMap<FastifyRequest, Open>();

  constructor(metrics: RestMetrics) {
    this.#metrics = metrics;
  }

  start(request: FastifyRequest): void {
    const route = routeOf(request);
    const span = tracer.startSpan(`${request.method} ${route}`, {
      kind: SpanKind.SERVER,
      attributes: {
        "http.request.method": request.method,
        "http.route": route,
        "url.path": request.url.split("?")[0] ?? "",
      },
    });
    this.#open.set(request, { span, started_ms: performance.now() });
  }

  /** Ends the request's span and records its duration; a second call does nothing. */
  end(request: FastifyRequest, status: number): void {
    const open = this.#open.get(request);
    if (open === undefined) return;
    this.#open.delete(request);
    open.span.setAttribute("http.response.status_code", status);
    if (status >= 500) open.span.setStatus({ code: SpanStatusCode.ERROR });
    open.span.end();
    this.#metrics.observeRequest(
      request.method,
      routeOf(request),
      status,
      performance.now() - open.started_ms,
    );
  }
}

function routeOf(request: FastifyRequest): string {
  const url = request.routeOptions.url;
  return url === undefined || url === "" ? "unmatched" : url;
}
