// Spans through @opentelemetry/api: a no-op until the process registers an SDK, so services
// trace unconditionally and deployments choose whether to export.
import { SpanStatusCode, trace } from "@opentelemetry/api";
import type { Attributes, Span } from "@opentelemetry/api";

export type { Span, Attributes };

export function getTracer(service: string): ReturnType<typeof trace.getTracer> {
  return trace.getTracer(`sentinel-plane/${service}`);
}

/** Runs `fn` inside an active span; records a thrown error and always ends the span. */
export async function withSpan<T>(
  tracer: ReturnType<typeof trace.getTracer>,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

export { SpanStatusCode };
