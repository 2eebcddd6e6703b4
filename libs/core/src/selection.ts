// Replica selection, as sentinel.c's sentinelSelectSlave / compareSlavesForPromotion: skip replicas
// that are SDOWN, disconnected, priority 0, with stale INFO or a master link down for too long;
// then lowest priority, highest replication offset, smallest run id. Ahead of all of them: a
// replica that already reports role master after a promotion at an epoch newer than our config
// (a previous leader promoted it and did not commit): it has the newest data.
import { pingPeriodMs } from "./detection.js";
import type { AgentState, InstanceLink, MasterState } from "./state.js";
import type { Address } from "./types.js";

export interface Candidate {
  readonly link: InstanceLink;
  readonly promoted_epoch: number; // -1 unless it reports master with a newer epoch
  readonly priority: number;
  readonly offset: number;
  readonly run_id: string | null;
}

/**
 * How recent a replica's last PONG (or report) and last INFO must be to qualify: sentinel.c's
 * info_validity_time, one window for both. Narrower (5 PING periods, 500 ms at down-after 1000),
 * a leader whose own event loop stalled for half a second would skip every healthy replica.
 */
export function infoValidityMs(state: AgentState, master: MasterState): number {
  return master.link.sdown
    ? Math.max(5 * pingPeriodMs(state, master), 3 * state.timing.info_period_fast_ms)
    : 3 * state.timing.info_period_ms;
}

function candidateOf(state: AgentState, master: MasterState, link: InstanceLink): Candidate | null {
  const now = state.now_ms;
  const info = link.info;
  if (info === null || link.info_ms === null) return null;
  if (link.sdown) return null;
  // Reborn empty (its data-node says so): promoting it would wipe every replica that follows.
  if (link.data_lost) return null;
  if (info.replica_priority === 0) return null;
  const validity_ms = infoValidityMs(state, master);
  if (now - link.last_avail_ms > validity_ms) return null;
  if (now - link.info_ms > validity_ms) return null;
  let max_master_down_ms = 10 * master.settings.down_after_ms;
  if (master.link.sdown) max_master_down_ms += now - master.link.sdown_since_ms;
  if (link.link_down_since_ms !== null && now - link.link_down_since_ms > max_master_down_ms) return null;
  const promoted = info.role === "master" && link.node_epoch > master.config_epoch;
  // A master no promotion newer than the config made (an old primary back as master, not yet
  // converted): no candidate. Its role would also pass for the promotion without any command
  // running (failover.ts waitPromotion), and its data stops at its own failover: a node killed
  // as primary, restarted as master while its data-node was cut from the bus, was "promoted" so
  // at epoch 3 and took writes, losing those of epoch 1 (`npm run sim -- --seed 8708 --verbose`
  // before this rule).
  if (info.role === "master" && !promoted) return null;
  return {
    link,
    promoted_epoch: promoted ? link.node_epoch : -1,
    priority: info.replica_priority,
    offset: info.role === "master" ? info.master_repl_offset : (info.slave_repl_offset ?? 0),
    run_id: info.run_id === "" ? null : info.run_id,
  };
}

/**
 * Replicas we learned of so recently that "no INFO yet" means "not asked yet", not "does not
 * answer": not SDOWN, never an INFO, known for less than the validity window. An agent that has
 * just started (or just discovered them) and is elected at once would otherwise choose among the
 * replicas whose first INFO happened to come back first (failover.ts waits for these).
 */
export function replicasAwaitingFirstInfo(state: AgentState, master: MasterState): InstanceLink[] {
  const validity_ms = infoValidityMs(state, master);
  const awaiting: InstanceLink[] = [];
  for (const link of master.replicas.values()) {
    if (link.sdown || link.info_ms !== null) continue;
    if (state.now_ms - link.created_ms >= validity_ms) continue;
    awaiting.push(link);
  }
  return awaiting;
}

/** Sentinel's order (negative: `a` is better). */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.promoted_epoch !== b.promoted_epoch) return b.promoted_epoch - a.promoted_epoch;
  if (a.priority !== b.priority) return a.priority - b.priority;
  if (a.offset !== b.offset) return b.offset - a.offset;
  if (a.run_id === b.run_id) return 0;
  if (a.run_id === null) return 1;
  if (b.run_id === null) return -1;
  return a.run_id < b.run_id ? -1 : 1;
}

/**
 * Whether the replica streams from `primary` now (link up): a switchover's catch-up needs it, a
 * replica still pointing at an older primary would never reach the fenced offset.
 */
export function replicatesFrom(link: InstanceLink, primary: Address): boolean {
  const info = link.info;
  return (
    info !== null &&
    info.role === "slave" &&
    info.master_host === primary.host &&
    info.master_port === primary.port &&
    info.master_link_status === "up"
  );
}

/** Whether this replica passes Sentinel's filters (a target named by a manual failover must). */
export function isPromotable(state: AgentState, master: MasterState, link: InstanceLink): boolean {
  return candidateOf(state, master, link) !== null;
}

/**
 * The best replica to promote, or null (`-failover-abort-no-good-slave`). With `in_sync_with`
 * (a switchover), only replicas streaming from that primary qualify; with `admit`, only those it
 * accepts (the promotion limits, promotion-limit.ts).
 */
export function selectReplica(
  state: AgentState,
  master: MasterState,
  in_sync_with: Address | null = null,
  admit: (link: InstanceLink) => boolean = () => true,
): InstanceLink | null {
  const candidates: Candidate[] = [];
  for (const link of master.replicas.values()) {
    if (in_sync_with !== null && !replicatesFrom(link, in_sync_with)) continue;
    if (!admit(link)) continue;
    const candidate = candidateOf(state, master, link);
    if (candidate !== null) candidates.push(candidate);
  }
  candidates.sort(compareCandidates);
  return candidates[0]?.link ?? null;
}
