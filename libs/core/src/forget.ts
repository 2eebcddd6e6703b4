// Forgetting the dead: replicas and agents not heard from for `forget_after_ms` (a master
// setting; orchestrator's UnseenInstanceForgetHours, what SENTINEL RESET does by hand) are dropped
// from the master's state, with `-slave` / `-sentinel`, and persisted without them. A replica
// that comes back is rediscovered the usual way (the primary's INFO lists it: `+slave`), an agent
// by its next hello (`+sentinel`).
//
// What is never forgotten: the primary (it is not a replica: its loss is a failover's business);
// any replica while a failover of the master runs (its target among them); anything in TILT (the
// clock is not trusted). Forgetting agents lowers the election's "majority of known agents" as
// SENTINEL RESET does; max(quorum, majority) still holds, so a quorum of a majority keeps a
// minority from electing.
//
// The committed record (TopologyRecord.replicas) is not rewritten for this: it is rebuilt from the
// live replicas at the leader's next commit (a failover or a reassert), and a commit is a
// compare-and-set of the safety record that a stale informational entry does not justify.
import { sentinelSubject, slaveSubject } from "./out.js";
import type { Out } from "./out.js";
import { sameAddress } from "./state.js";
import type { MasterState } from "./state.js";
import type { MasterSettings } from "./types.js";

/** One hour, as orchestrator's shortest useful UnseenInstanceForgetHours. */
export const FORGET_AFTER_MS_DEFAULT = 3_600_000;

export function forgetAfterMs(settings: MasterSettings): number {
  return settings.forget_after_ms ?? FORGET_AFTER_MS_DEFAULT;
}

/** Drops the master's replicas and agents unseen for longer than forget-after (0: never). */
export function forgetTheDead(out: Out, master: MasterState): void {
  const state = out.state;
  const after_ms = forgetAfterMs(master.settings);
  if (after_ms <= 0 || state.tilt) return;
  const now = state.now_ms;
  if (master.failover === null) {
    for (const [key, link] of master.replicas) {
      if (sameAddress(link.address, master.address)) continue;
      const unseen_ms = now - link.last_reply_ms;
      if (unseen_ms <= after_ms) continue;
      master.replicas.delete(key);
      out.markDirty();
      out.event("-slave", master, slaveSubject(master, link.address), [unseen_ms]);
    }
  }
  for (const [id, agent] of master.agents) {
    const unseen_ms = now - (agent.last_hello_ms ?? agent.known_since_ms);
    if (unseen_ms <= after_ms) continue;
    master.agents.delete(id);
    out.markDirty();
    out.event("-sentinel", master, sentinelSubject(master, id, agent.announce), [unseen_ms]);
  }
}
