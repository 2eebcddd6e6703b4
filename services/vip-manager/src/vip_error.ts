// Operating errors of the VIP mechanics, each with a code the caller can branch on and log.

export type VipErrorCode =
  /** `ip` (or the prefix) exited non-zero where that is not an accepted outcome. */
  | "SP_ERR_VIP_COMMAND_FAILED"
  /** A command ran longer than its timeout and was killed. */
  | "SP_ERR_VIP_COMMAND_TIMEOUT"
  /** A command or arping could not be started at all (missing binary, no permission). */
  | "SP_ERR_VIP_SPAWN"
  /** `ip -j` printed something that is not the JSON we expect. */
  | "SP_ERR_VIP_BAD_OUTPUT";

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
