// Switchover on planned shutdown (issue 18), the data-node's side as pure rules: whether a stop
// first asks the agents for a zero-loss switchover, and when that switchover has done its job.
// Patroni does the like on `systemctl stop patroni` (a primary hands over before postgres
// stops); Redis Sentinel has nothing, so stopping a primary costs an outage of down-after plus
// the failover, and every write acknowledged since the last replicated offset.
import type { Address } from "../types.js";
import { sameAddress } from "../address.js";

export interface ShutdownPlanInput {
  /** supervise mode: the data-node stops redis-server (attach: it is not ours to stop). */
  readonly supervised: boolean;
  /** master_name set: the agents can be asked, and the topology says when it is done. */
  readonly topology_followed: boolean;
  /** 0 turns the switchover off. */
  readonly switchover_timeout_ms: number;
  readonly role: "master" | "slave" | null;
  readonly committed_primary: Address | null;
  readonly self: Address;
}

export type ShutdownPlan =
  { readonly action: "switchover" } | { readonly action: "stop"; readonly reason: string };

export function shutdownPlan(input: ShutdownPlanInput): ShutdownPlan {
  if (!input.supervised) return { action: "stop", reason: "attach mode: redis-server is left running" };
  if (input.switchover_timeout_ms === 0)
    return { action: "stop", reason: "shutdown_switchover_timeout_ms is 0" };
  if (!input.topology_followed) return { action: "stop", reason: "no master_name: no agents to ask" };
  if (input.role !== "master") return { action: "stop", reason: "not a master: a replica just stops" };
  const primary = input.committed_primary;
  if (primary !== null && !sameAddress(primary, input.self)) {
    return { action: "stop", reason: "not the committed primary" };
  }
  return { action: "switchover" };
}

/** Done: the topology names another primary, or the server was demoted. */
export function switchoverDone(input: {
  readonly committed_primary: Address | null;
  readonly self: Address;
  readonly role: "master" | "slave" | null;
}): boolean {
  const primary = input.committed_primary;
  return input.role === "slave" || (primary !== null && !sameAddress(primary, input.self));
}
