// The masters' settings `set` can change, apart from the command that changes them: `--help`
// lists them without loading any client code.
import { CliError, EXIT } from "../errors.js";

/** `set` options: the REST field and the SENTINEL SET name; both spellings are accepted. */
export const SETTABLE: readonly { readonly rest: string; readonly sentinel: string }[] = [
  { rest: "quorum", sentinel: "quorum" },
  { rest: "down_after_ms", sentinel: "down-after-milliseconds" },
  { rest: "failover_timeout_ms", sentinel: "failover-timeout" },
  { rest: "parallel_syncs", sentinel: "parallel-syncs" },
  { rest: "master_reboot_down_after_period_ms", sentinel: "master-reboot-down-after-period" },
  { rest: "max_promotion_lag_bytes", sentinel: "max-promotion-lag-bytes" },
  { rest: "max_promotion_lag_ms", sentinel: "max-promotion-lag-ms" },
  { rest: "failover_block_period_ms", sentinel: "failover-block-period" },
  { rest: "forget_after_ms", sentinel: "forget-after" },
];

export function settable(option: string): { readonly rest: string; readonly sentinel: string } {
  const found = SETTABLE.find((s) => s.rest === option || s.sentinel === option);
  if (found === undefined) {
    throw new CliError(
      EXIT.usage,
      "CLI_BAD_OPTION",
      `unknown option "${option}"; one of: ${SETTABLE.map((s) => `${s.sentinel} (${s.rest})`).join(", ")}`,
    );
  }
  return found;
}
