// One vocabulary for replicas whichever port answered (documented in README, "CLI"): the link is
// `up` or `down` (REST says up/down, the Sentinel port ok/err), a replica that is down or not
// answering shows `down` whatever its last INFO said, and the `fenced` mark a data-node puts on
// a replica is dropped: a replica refusing writes is its normal state (the Sentinel port does
// not show it either). A fenced *primary* stays visible in the master's flags.

/** `up`, `down`, or null when no agent knows yet. */
export function linkWord(link_status: string | null, flags: readonly string[]): string | null {
  if (flags.includes("s_down") || flags.includes("o_down") || flags.includes("disconnected")) return "down";
  switch (link_status) {
    case "up":
    case "ok":
      return "up";
    case "down":
    case "err":
      return "down";
    default:
      return null;
  }
}

/** A replica's flags without the `fenced` mark of a healthy replica. */
export function replicaFlags(flags: readonly string[]): string[] {
  return flags.filter((f) => f !== "fenced");
}
