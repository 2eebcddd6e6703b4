// Operating errors of the VIP mechanics, each with a code the caller can branch on and log.
import type { ErrorCode } from "@sentinel-plane/protocol";

/**
 * The registry's (libs/protocol errors.ts) codes of the VIP mechanics:
 * - SP_ERR_VIP_COMMAND_FAILED: `ip` (or the prefix) exited non-zero where that is not an accepted outcome;
 * - SP_ERR_VIP_COMMAND_TIMEOUT: a command ran longer than its timeout and was killed;
 * - SP_ERR_VIP_SPAWN: a command or arping could not be started at all (missing binary, no permission);
 * - SP_ERR_VIP_BAD_OUTPUT: `ip -j` printed something that is not the JSON we expect.
 */
export type VipErrorCode = Exclude<
  Extract<ErrorCode, `SP_ERR_VIP_${string}`>,
  "SP_ERR_VIP_UNEXPECTED" | "SP_ERR_VIP_ADDRESS_IN_USE"
>;

export interface VipCommandFailure {
  readonly argv: readonly string[];
  readonly exit_code: number | null;
  readonly stderr: string;
}

export class VipError extends Error {
  constructor(
    readonly code: VipErrorCode,
    message: string,
    readonly failure?: VipCommandFailure,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "VipError";
  }
}
