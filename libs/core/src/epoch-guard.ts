// Epoch sanity: no single message moves an epoch by more than EPOCH_STEP_MAX. Honest agents move
// epochs by small steps: +1 per election, and an agent that was away catches up by the number of
// elections it missed. A forged (or corrupted) huge epoch would otherwise be adopted at once and
// persisted: every honest vote request then looks stale, and an epoch near 2^53 - 1 leaves no
// room to count (the wire schema already caps epochs at safe integers, libs/protocol common.ts).
//
// Why 1,000,000: far above any honest gap. Elections are rate-limited (a randomised delay after
// a split vote, 2 x failover-timeout after other aborts, none without enough live agents to win:
// failover.ts), so even a candidate retrying every 300 ms (election-timeout 150 ms) needs more
// than 3 days of uninterrupted failed elections to move the epoch by a million. And it is tiny next
// to 2^53: a forger needs ~9e9 accepted messages to exhaust the epoch space. An agent refused this
// way (one that rejoins a cluster a million epochs ahead) logs `-epoch-refused` every time and needs
// its state file seeded with a recent epoch; nothing is adopted silently.
import type { MasterState } from "./state.js";
import type { Out } from "./out.js";
import type { PeerMessage } from "./types.js";

export const EPOCH_STEP_MAX = 1_000_000;

/** Whether `epoch` is more than EPOCH_STEP_MAX above `held`. */
export function epochJumpTooFar(held: number, epoch: number): boolean {
  return epoch - held > EPOCH_STEP_MAX;
}

/** The highest epoch a peer message carries (null: none). */
export function messageEpoch(message: PeerMessage): number | null {
  switch (message.type) {
    case "hello":
      return Math.max(message.current_epoch, message.config_epoch);
    case "down_opinion":
      return message.current_epoch;
    case "vote_request":
      return message.epoch;
    case "vote_reply":
      return Math.max(message.epoch, message.leader_epoch);
    case "admin":
      return null;
  }
}

/**
 * Refuses (true) an epoch more than EPOCH_STEP_MAX above our current epoch, with a
 * `-epoch-refused` event naming the source. The caller drops the whole message or record.
 */
export function refuseEpochJump(
  out: Out,
  master: MasterState | null,
  source: string,
  epoch: number,
): boolean {
  const current = out.state.current_epoch;
  if (!epochJumpTooFar(current, epoch)) return false;
  out.event("-epoch-refused", master, null, [source, epoch, current, EPOCH_STEP_MAX], current);
  return true;
}
