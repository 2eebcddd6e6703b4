// Entry point: `node --import tsx services/sentinel-agent/src/main.ts [--config] sentinel.conf`
// (the same file Redis Sentinel reads; SP_* variables override our own settings).
import { parseArgs } from "node:util";
import { createLogger, errorMessage, startTraceExportLogged } from "@sentinel-plane/runtime";
import type { LogLevel } from "@sentinel-plane/runtime";
import { startSentinelAgent, StartError } from "./service.js";

const USAGE = "usage: sentinel-agent [--config] <sentinel.conf>";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: { config: { type: "string" }, help: { type: "boolean" } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config_path = values.config ?? positionals[0] ?? process.env["SP_SENTINEL_CONFIG"];
  if (config_path === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const level = (process.env["SP_LOG_LEVEL"] ?? "info") as LogLevel;
  const logger = createLogger({ service: "sentinel-agent", level });
  const otel = await startTraceExportLogged("sentinel-agent", process.env, logger);
  let agent;
  try {
    agent = await startSentinelAgent({ config_path, env: process.env, logger });
  } catch (error) {
    const code = error instanceof StartError ? error.code : "SP_ERR_START_FAILED";
    logger.fatal({ code }, errorMessage(error));
    process.stderr.write(`sentinel-agent: ${errorMessage(error)}\n`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, "stopping");
      resolve();
    };
    process.once("SIGTERM", () => {
      stop("SIGTERM");
    });
    process.once("SIGINT", () => {
      stop("SIGINT");
    });
    // A client's SHUTDOWN (config already flushed) takes the same path as SIGTERM.
    void agent.shutdown_requested.then(() => {
      stop("SHUTDOWN");
    });
  });
  await agent.stop();
  await otel?.shutdown();
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sentinel-agent: fatal: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
