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

export function checkEpoch(
  held: AcceptedEpoch,
  request: { readonly epoch: number; readonly issuer: string },
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
    return {
      accept: false,
      error: spError("SP_ERR_EPOCH_CONFLICT", [request.epoch, held.issuer, request.issuer]),
    };
  }
  const next = { epoch: request.epoch, issuer: request.issuer };
  return { accept: true, next, persist: next.epoch !== held.epoch || next.issuer !== held.issuer };
}
