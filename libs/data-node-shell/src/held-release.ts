// The end of a restarted server's held state (the restarter's releaseHeld port), behind the
// commands already queued: a fresh probe; on a server that answers, the role change (REPLICAOF NO
// ONE: a master again, still fenced, the agents unfence it; REPLICAOF <primary>: that primary's
// replica); its log line; a probe that shows it. node.ts and the simulator both release through
// this one (the simulator changed the role at once, outside the queue, until 2026-12-05).
import type { Address } from "@sentinel-plane/core";
import type { Result } from "@sentinel-plane/protocol";
import type { CommandQueue } from "./command-queue.js";
import type { LoopLogger, RedisFence } from "./ports.js";

export interface HeldReleaseParts {
  readonly queue: CommandQueue;
  /** The self-fence's view of the server: its fresh probes and their latest observation. */
  readonly server: Pick<RedisFence, "current" | "freshProbe">;
  /** The role change's transaction (REPLICAOF, CONFIG REWRITE with a config file, CLIENT KILL). */
  roleChange(primary: Address | null, has_config_file: boolean): Promise<Result<string[]>>;
  readonly logger: LoopLogger;
}

/** Resolves false when the server did not answer or the role change failed (tried again later). */
export function releaseHeld(parts: HeldReleaseParts, primary: Address | null): Promise<boolean> {
  return parts.queue.run(async () => {
    await parts.server.freshProbe();
    const observed = parts.server.current();
    if (observed.answered !== true) return false;
    const result = await parts.roleChange(primary, (observed.config_file ?? "") !== "");
    parts.logger.warn(
      {
        event: "held_released",
        as: primary === null ? "master (fenced)" : "replica",
        primary,
        ok: result.ok,
        ...(result.ok ? { done: result.value } : { error: result.error.message }),
      },
      "restarted server released from held",
    );
    await parts.server.freshProbe();
    return result.ok;
  });
}
