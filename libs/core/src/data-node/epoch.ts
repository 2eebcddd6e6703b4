// The epoch rule, pure. A command is accepted only for an epoch at least as new as the highest
// accepted so far, and at most EPOCH_STEP_MAX (the core's bound, libs/core epoch-guard.ts) above
// it; the same epoch is accepted again only from the same issuer (one leader per epoch). The
// caller persists a raised epoch before it executes anything.
import { EPOCH_STEP_MAX, epochJumpTooFar } from "../epoch-guard.js";
import { spError } from "@sentinel-plane/protocol";
import type { SpError } from "@sentinel-plane/protocol";

export interface AcceptedEpoch {
  readonly epoch: number;
  /** Null before the first accepted command. */
  readonly issuer: string | null;
}

export type EpochDecision =
  | { readonly accept: true; readonly next: AcceptedEpoch; readonly persist: boolean }
  | { readonly accept: false; readonly error: SpError };

/** What the data-node last read of the committed topology (its KV record). */
export interface CommittedView {
  readonly config_epoch: number;
  readonly primary: { readonly host: string; readonly port: number };
}

/**
 * A `replicaof` to the primary the topology committed at the command's own epoch: it repeats
 * what that epoch's leader decided, so any agent may send it (Sentinel's +convert-to-slave and
 * +fix-slave-config come from whichever agent sees the stray node). Without this, a node that
 * accepted epoch E from E's leader refused every other agent's fix at E: an old primary that came
 * back as a master after its leader died stayed a fenced master for good (test/faults
 * leader-kill-switched, stop-primary).
 */
export function followsCommitted(
  request: {
    readonly epoch: number;
    readonly command: { readonly type: string; readonly host?: string; readonly port?: number };
  },
  committed: CommittedView | null,
): boolean {
  const c = request.command;
  return (
    committed !== null &&
    c.type === "replicaof" &&
    request.epoch === committed.config_epoch &&
    c.host === committed.primary.host &&
    c.port === committed.primary.port
  );
}

/**
 * `follows_committed` (followsCommitted): the command agrees with the topology committed at its
 * epoch, so the same epoch from another issuer is accepted too (the held issuer stays).
 */
export function checkEpoch(
  held: AcceptedEpoch,
  request: { readonly epoch: number; readonly issuer: string },
  follows_committed = false,
): EpochDecision {
  if (!Number.isSafeInteger(request.epoch) || request.epoch < 0)
    throw new Error("epoch must be a validated integer");
  if (epochJumpTooFar(held.epoch, request.epoch)) {
    // A forged or corrupt epoch would be persisted and then refuse every honest command.
    return {
      accept: false,
      error: spError("SP_ERR_EPOCH_JUMP", [request.epoch, EPOCH_STEP_MAX, held.epoch]),
    };
  }
  if (request.epoch < held.epoch) {
    return {
      accept: false,
      error: spError("SP_ERR_STALE_EPOCH", [request.epoch, held.epoch, held.issuer ?? "none"]),
    };
  }
  if (request.epoch === held.epoch && held.issuer !== null && held.issuer !== request.issuer) {
    if (follows_committed) return { accept: true, next: held, persist: false };
    return {
      accept: false,
      error: spError("SP_ERR_EPOCH_CONFLICT", [request.epoch, held.issuer, request.issuer]),
    };
  }
  const next = { epoch: request.epoch, issuer: request.issuer };
  return { accept: true, next, persist: next.epoch !== held.epoch || next.issuer !== held.issuer };
}
