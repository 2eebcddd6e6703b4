// Entry point: node --import tsx services/data-node/src/main.ts --config file.json
import {
  counterLines,
  createLogger,
  errorMessage,
  logUnhandledRejections,
  refuseConfigAtStart,
  startOpsServerFromEnv,
  startTraceExportLogged,
} from "@sentinel-plane/runtime";
import { loadConfig } from "./config.js";
import { DataNode } from "./node.js";

async function main(): Promise<number> {
  const config = loadConfig(process.argv.slice(2), process.env);
  if (!config.ok) return refuseConfigAtStart("data-node", config.error);
  const logger = createLogger({
    service: "data-node",
    level: config.value.log_level,
    base: { node_id: config.value.node_id, cluster_id: config.value.cluster_id },
  });
  logUnhandledRejections(logger);
  const otel = await startTraceExportLogged("data-node", process.env, logger);
  const node = new DataNode(config.value, logger);
  const started = await node.start();
  if (!started.ok) {
    logger.fatal(
      { event: "start_failed", code: started.error.code, error: started.error.message },
      "cannot start",
    );
    await node.stop();
    return 1;
  }
  logger.info({ event: "started", mode: config.value.mode }, "data-node started");
  // SP_METRICS_PORT: process metrics and the command/report counters; healthy while running.
  let stopping = false;
  const ops = await startOpsServerFromEnv(process.env, logger, {
    lines: () => counterLines("sp_data_node_", node.counters.snapshot()),
    health: () => (stopping ? { ok: false, detail: "stopping" } : { ok: true, detail: "running" }),
  });
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string): void => {
      logger.info({ event: "shutdown", signal }, "shutting down");
      stopping = true;
      node
        .shutdown(signal)
        .then(() => otel?.shutdown())
        .then(() => ops?.close())
        .then(resolve, resolve);
    };
    process.once("SIGTERM", () => {
      shutdown("SIGTERM");
    });
    // The `shutdown` command (REST, CLI through an agent): a planned stop like SIGTERM.
    node.onShutdownRequest(() => {
      shutdown("api");
    });
    process.once("SIGINT", () => {
      shutdown("SIGINT");
    });
  });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`data-node crashed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
