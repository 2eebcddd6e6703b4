// The operations port of the services that have no REST API (data-node, vip-manager): GET
// /metrics (Prometheus text: prom-client's process/runtime metrics and the service's own) and GET
// /healthz (200 while the service says it is healthy, 503 with the reason otherwise). Off unless
// SP_METRICS_PORT is set; SP_METRICS_HOST chooses the address (default 0.0.0.0, for a scraper on
// another host). Its own small HTTP server: these services carry no web framework.
import { createServer } from "node:http";
import type { Server } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";
import type { OtelEnv } from "./otel-export.js";

export interface Health {
  readonly ok: boolean;
  readonly detail: string;
}

export interface OpsServerOptions {
  readonly host: string;
  readonly port: number;
  /** Extra Prometheus text lines (already `name{labels} value`), appended to the registry's. */
  readonly lines: () => readonly string[];
  readonly health: () => Health;
}

export interface OpsServer {
  readonly port: number;
  readonly registry: Registry;
  close(): Promise<void>;
}

/** The port and address from the environment, or null when SP_METRICS_PORT is not set. */
export function opsAddressFromEnv(env: OtelEnv): { host: string; port: number } | null {
  const text = env["SP_METRICS_PORT"]?.trim() ?? "";
  if (text === "") return null;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new Error(`SP_METRICS_PORT: expected a port number, got "${text}"`);
  return { host: env["SP_METRICS_HOST"]?.trim() || "0.0.0.0", port };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405, { allow: "GET" }).end();
      return;
    }
    if (path === "/healthz") {
      const health = options.health();
      res
        .writeHead(health.ok ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify({ ok: health.ok, detail: health.detail }));
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => {
          const extra = options.lines();
          res
            .writeHead(200, { "content-type": registry.contentType })
            .end(extra.length === 0 ? text : `${text}${extra.join("\n")}\n`);
        },
        (error: unknown) => {
          res.writeHead(500).end(String(error));
        },
      );
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : options.port,
    registry,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** In-process counters (runtime's Counters keys are `name{k="v"}`) as Prometheus lines. */
export function counterLines(prefix: string, snapshot: Readonly<Record<string, number>>): string[] {
  return Object.entries(snapshot).map(([key, value]) => `${prefix}${key} ${value}`);
}

/** startOpsServer on the address SP_METRICS_PORT/SP_METRICS_HOST give, logged; null when unset. */
export async function startOpsServerFromEnv(
  env: OtelEnv,
  logger: { info(fields: Record<string, unknown>, message: string): void },
  source: Pick<OpsServerOptions, "lines" | "health">,
): Promise<OpsServer | null> {
  const address = opsAddressFromEnv(env);
  if (address === null) return null;
  const ops = await startOpsServer({ ...address, ...source });
  logger.info(
    { event: "ops_listening", host: address.host, port: ops.port },
    "metrics and health on /metrics, /healthz",
  );
  return ops;
}
