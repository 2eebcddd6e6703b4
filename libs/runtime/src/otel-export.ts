// OpenTelemetry trace export, registered only when the standard OTEL_* variables ask for it: the
// services trace through @opentelemetry/api unconditionally (a no-op without an SDK), and this
// module is what makes those spans leave the process. Off by default and then free: the SDK and
// the OTLP exporter are imported only once export is asked for.
//
// Asked for (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/):
//   OTEL_TRACES_EXPORTER=otlp, or OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT set
//   (the variables compose and the systemd units set), unless OTEL_SDK_DISABLED=true or
//   OTEL_TRACES_EXPORTER=none. The exporter is OTLP/HTTP with JSON bodies (port 4318 of a
//   collector); it reads the endpoint, headers and timeout from the same variables, and the batch
//   processor its OTEL_BSP_* delays. OTEL_SERVICE_NAME overrides `sentinel-plane-<service>`;
//   OTEL_RESOURCE_ATTRIBUTES adds resource attributes.

export type OtelEnv = Readonly<Record<string, string | undefined>>;

export type TraceExportChoice =
  | { readonly enabled: false; readonly reason: string }
  | { readonly enabled: true; readonly endpoint: string };

function listOf(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "");
}

/** Whether the environment asks for OTLP trace export (pure: the decision, for tests and logs). */
export function traceExportChoice(env: OtelEnv): TraceExportChoice {
  if ((env["OTEL_SDK_DISABLED"] ?? "").trim().toLowerCase() === "true")
    return { enabled: false, reason: "OTEL_SDK_DISABLED=true" };
  const exporters = listOf(env["OTEL_TRACES_EXPORTER"]);
  if (exporters.includes("none")) return { enabled: false, reason: "OTEL_TRACES_EXPORTER=none" };
  const traces_endpoint = env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]?.trim() ?? "";
  const endpoint = env["OTEL_EXPORTER_OTLP_ENDPOINT"]?.trim() ?? "";
  const shown =
    traces_endpoint !== ""
      ? traces_endpoint
      : endpoint !== ""
        ? `${endpoint.replace(/\/+$/, "")}/v1/traces`
        : "http://localhost:4318/v1/traces";
  if (exporters.includes("otlp") || traces_endpoint !== "" || endpoint !== "")
    return { enabled: true, endpoint: shown };
  return {
    enabled: false,
    reason: "no OTEL_TRACES_EXPORTER=otlp and no OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT",
  };
}

export interface TraceExport {
  readonly endpoint: string;
  /** Exports the spans still buffered, then stops the exporter (bounded by the SDK's timeouts). */
  shutdown(): Promise<void>;
}

/**
 * Registers the OpenTelemetry SDK (global tracer provider, AsyncLocalStorage context manager,
 * W3C trace-context propagator) with a batching OTLP/HTTP exporter when the environment asks for
 * it; null otherwise. Call once, before the service starts its work.
 */
export async function startTraceExport(service: string, env: OtelEnv): Promise<TraceExport | null> {
  const choice = traceExportChoice(env);
  if (!choice.enabled) return null;
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, resources] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
  ]);
  const service_name = env["OTEL_SERVICE_NAME"]?.trim() ?? "";
  const resource = resources
    .resourceFromAttributes({
      "service.name": service_name !== "" ? service_name : `sentinel-plane-${service}`,
    })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  return {
    endpoint: choice.endpoint,
    shutdown: () => provider.shutdown(),
  };
}

/** What a service's main logs about export: one line at start, so an operator sees where spans go. */
export interface ExportLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

/** startTraceExport, logged: the endpoint when on, nothing when off (the default). */
export async function startTraceExportLogged(
  service: string,
  env: OtelEnv,
  logger: ExportLogger,
): Promise<TraceExport | null> {
  const started = await startTraceExport(service, env);
  if (started !== null)
    logger.info({ event: "otel_export", endpoint: started.endpoint }, "exporting traces (OTLP/HTTP)");
  return started;
}
