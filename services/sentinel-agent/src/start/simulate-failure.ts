import { writeFileSync } from "node:fs";
import type { Logger } from "@sentinel-plane/runtime";
import type { SimulatedFailure } from "../resp/index.js";
import type { StartOptions } from "./agent-base.js";

/**
 * Crash points for tests, as Sentinel's SENTINEL SIMULATE-FAILURE: with
 * SP_SIMULATE_FAILURE=crash-after-election (or crash-after-promotion) the agent dies right after
 * emitting +elected-leader (+promoted-slave). With SP_SIMULATE_FAILURE_ONCE_FILE set, only the
 * first agent to get there crashes (it creates the file), so a test can let one leader die and
 * the next one finish the failover.
 */
export function simulateFailure(
  env: StartOptions["env"],
  runtime: ReadonlySet<SimulatedFailure>,
  event_name: string,
  logger: Logger,
): void {
  const modes = new Set<string>([...runtime, env["SP_SIMULATE_FAILURE"] ?? ""]);
  const crash =
    (event_name === "+elected-leader" && modes.has("crash-after-election")) ||
    (event_name === "+promoted-slave" && modes.has("crash-after-promotion"));
  if (!crash) return;
  const once = env["SP_SIMULATE_FAILURE_ONCE_FILE"];
  if (once !== undefined && once !== "") {
    try {
      writeFileSync(once, `${String(process.pid)}\n`, { flag: "wx" });
    } catch {
      return; // another agent crashed already
    }
  }
  logger.fatal(
    { event: "simulated-crash", after: event_name },
    `simulated failure: crash after ${event_name}`,
  );
  process.kill(process.pid, "SIGKILL");
}
