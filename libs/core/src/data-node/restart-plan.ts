// How a crashed redis-server comes back, decided from the committed topology (pure, time passed
// in). The rule that matters: never as a writable primary of an older epoch.
//   - the topology names another primary          -> start as its replica (`--replicaof`)
//   - it names this node (it was the primary)      -> do not start it: its `exited` report lets the
//     agents fail over at once; wait for the topology to name another primary
//   - nobody took over within primary_wait_ms     -> start it "held": a replica of its own address,
//     so it takes no write and serves no SYNC (a replica whose master link is down answers
//     -NOMASTERLINK, verified with redis-server 7.0), then check its data (dataCheck below)
//   - no topology known, it was a replica         -> start as configured (CONFIG REWRITE kept its role)
// Every restart is fenced (`--min-replicas-to-write` marker): the agents lift the fence of the
// committed primary (reconcile.ts), a replica's fence is harmless.
import type { Address } from "../types.js";
import { sameAddress } from "../address.js";

export interface RestartPlanInput {
  readonly self: Address;
  /** The committed topology's primary; null when unknown (not followed, not read yet, no record). */
  readonly committed_primary: Address | null;
  /** master_name is set: the topology is followed, so waiting for it can end. */
  readonly topology_followed: boolean;
  /** The role of the last answered probe before the exit; null when never seen. */
  readonly last_role: "master" | "slave" | null;
  readonly exited_ms: number;
  readonly now_ms: number;
  readonly primary_wait_ms: number;
}

export type RestartPlan =
  | { readonly action: "replica_of"; readonly primary: Address }
  | { readonly action: "wait"; readonly until_ms: number }
  | { readonly action: "held"; readonly reason: string }
  | { readonly action: "as_configured" };

/**
 * The committed primary a restart may follow (RestartPlanInput.committed_primary, a held server's
 * release): none while the record is older than the epoch this node accepted. A node promoted (or
 * commanded) at an epoch whose commit has not reached it yet, restarted as the replica of the older
 * record's primary, undid that promotion: the commit then named a replica of the fenced old
 * primary and nothing could fail over from it (`npm run sim -- --seed 410` with the start probe).
 */
export function restartFollows(
  committed: { readonly primary: Address; readonly config_epoch: number } | null,
  accepted_epoch: number,
): Address | null {
  if (committed === null || committed.config_epoch < accepted_epoch) return null;
  return committed.primary;
}

export function planRestart(input: RestartPlanInput): RestartPlan {
  const primary = input.committed_primary;
  if (primary !== null && !sameAddress(primary, input.self)) return { action: "replica_of", primary };
  const was_primary = primary !== null || input.last_role === "master";
  if (!was_primary) return { action: "as_configured" };
  const until_ms = input.exited_ms + input.primary_wait_ms;
  if (input.topology_followed && input.now_ms < until_ms) return { action: "wait", until_ms };
  return {
    action: "held",
    reason: input.topology_followed
      ? `no other primary committed within ${input.primary_wait_ms} ms`
      : "was a master and no topology is followed",
  };
}

/** What a held server's first settled probe says about its data. */
export interface DataCheckInput {
  /** Keys before the exit (INFO keyspace of the last answered probe); null when unknown. */
  readonly keys_before: number | null;
  readonly keys_now: number;
  /** Still loading its RDB/AOF: too early to judge. */
  readonly loading: boolean;
}

export type DataCheck = "loading" | "intact" | "empty";

/** `empty`: it had keys before and came back with none (no RDB/AOF, or a wiped directory). */
export function dataCheck(input: DataCheckInput): DataCheck {
  if (input.loading) return "loading";
  if (input.keys_now === 0 && input.keys_before !== null && input.keys_before > 0) return "empty";
  return "intact";
}
