// What every service's entry point (data-node, vip-manager) does the same way at start: a refused
// configuration ends it before anything runs, and a stray promise rejection never ends it later.
import type { SpError } from "@sentinel-plane/protocol";
import { createLogger, errorMessage } from "./logger.js";
import type { Logger } from "./logger.js";

/**
 * A configuration refused at start: logged (as `config_invalid`, for log collectors) and written
 * to stderr (for the operator at a terminal). Returns the exit code, 2: a bad file never reaches
 * the loop.
 */
export function refuseConfigAtStart(service: string, error: SpError): number {
  createLogger({ service, level: "info" }).fatal(
    { event: "config_invalid", code: error.code, error: error.message },
    error.message,
  );
  process.stderr.write(`${error.message}\n`);
  return 2;
}

/** A transient fault must never end the process: unexpected rejections are logged and it goes on. */
export function logUnhandledRejections(logger: Logger): void {
  process.on("unhandledRejection", (reason) => {
    logger.error({ event: "unhandled_rejection", error: errorMessage(reason) }, "unhandled rejection");
  });
}
