// Self-fencing, pure: when the data-node fences its own server without being told to. Redis
// Sentinel has nothing like it (measured: a primary that resumes after a hang or a cut link keeps
// accepting writes for about 10 s, and those writes are lost). Three rules:
//   committed_epoch  the committed topology names another primary at an epoch at least as new as
//                    any this node accepted, and the server is a writable master;
//   hang             the server was (last known) a writable master and a probe has waited longer
//                    than hang_fence_after_ms: the fence is queued on the same connection, so it
//                    runs before any client that connects after it when the process resumes
//                    (not before writes already buffered on other connections: the watchdog
//                    kills a server that has not answered its fence by its lease's end);
//   lease            the server is a writable master and holds no write lease (write-lease.ts,
//                    docs/adr/0001-write-lease.md): a majority of agents did not vouch for it
//                    recently, so a failover may be under way; it stops taking writes before the
//                    leader may promote another (the leader waits the lease out when no fence
//                    acknowledgement comes). A lease is one received since this process started:
//                    With the Redis watchdog on (watchdog.ts) it fences `fence_lead_ms` before the
//                    lease's end, so the fence is acknowledged before the watchdog's kill at the end.
//                    A server that does not answer then gets the fence queued, as the hang rule's
//                    (leaseFenceHung).
//                    A restarted data-node that adopts a running master fences it at once and lifts
//                    the fence on the first majority grant (one round trip of refused writes per
//                    data-node restart). It used to give the server one lease_ms of grace, in
//                    which an adopted old primary took writes after a newer promotion (`npm run
//                    sim -- --seed 817 --verbose` before this rule). Known limit: a server that
//                    has not answered since the start (a hung server adopted) is fenced only once
//                    it answers, not queued (a fence queued on a connection not yet ready broke
//                    the supervised kill -9 path in test/faults kill-primary).
// Time is monotonic milliseconds passed in; the loop (node.ts) carries a decision out. A rule never
// unfences: that is an agent's command of the current epoch, except the lease's own fence, lifted
// by node.ts when a valid lease returns (write-lease.ts leaseLiftAllowed).

import { sameAddress } from "../address.js";
import type { Address } from "../types.js";

export type FenceReason = "committed_epoch" | "hang" | "lease";

/** The server as one probe saw it. */
export interface ServerView {
  readonly answered: boolean;
  /** Null when it did not answer. */
  readonly role: "master" | "slave" | null;
  readonly fenced: boolean;
}

/** The part of the committed topology record the rules use. */
export interface CommittedTopology {
  readonly config_epoch: number;
  readonly primary: Address;
}

/** Answering, role master, not fenced: a server that takes writes now. */
export function writableMaster(server: ServerView): boolean {
  return server.answered && server.role === "master" && !server.fenced;
}

export interface CommittedEpochInputs {
  /** This node's address as the agents know it (`announce`). */
  readonly self: Address;
  readonly accepted_epoch: number;
  readonly committed: CommittedTopology | null;
  readonly server: ServerView;
}

/**
 * Fires when the record names another primary at an epoch >= the accepted one. Equal counts too:
 * a server restarted as a master (attach mode) after this node already took the record's epoch
 * must be fenced again. An older record never fires: a newer leader may be promoting this node.
 */
export function committedEpochFence(inputs: CommittedEpochInputs): boolean {
  const committed = inputs.committed;
  if (committed === null) return false;
  if (sameAddress(committed.primary, inputs.self)) return false;
  if (committed.config_epoch < inputs.accepted_epoch) return false;
  return writableMaster(inputs.server);
}

export interface HangInputs {
  readonly now_ms: number;
  /** The last view of the server that answered; null before the first answer. */
  readonly last_answered: ServerView | null;
  /** When the probe still waiting for its answer was sent; null when none waits. */
  readonly unanswered_since_ms: number | null;
  /** 0 = rule off. */
  readonly hang_fence_after_ms: number;
}

export function hangFence(inputs: HangInputs): boolean {
  if (inputs.hang_fence_after_ms === 0) return false;
  if (inputs.last_answered === null || !writableMaster(inputs.last_answered)) return false;
  if (inputs.unanswered_since_ms === null) return false;
  return inputs.now_ms - inputs.unanswered_since_ms > inputs.hang_fence_after_ms;
}

export interface LeaseInputs {
  readonly now_ms: number;
  /**
   * When the write lease runs out (write-lease.ts leaseUntilMs); -Infinity when none was received
   * since the start or the last promotion: a running master is fenced until one is.
   */
  readonly lease_until_ms: number;
  /** 0 = rule off. */
  readonly lease_ms: number;
  /**
   * Fence this long before the lease's end (watchdog.ts watchdogFenceLeadMs: the watchdog kills a
   * still writable server at the end); 0 without watchdog.
   */
  readonly fence_lead_ms: number;
  readonly server: ServerView;
}

export function leaseFence(inputs: LeaseInputs): boolean {
  if (inputs.lease_ms === 0) return false;
  if (inputs.now_ms < inputs.lease_until_ms - inputs.fence_lead_ms) return false;
  return writableMaster(inputs.server);
}

/**
 * The lease ran out (less the fence lead) while the server, last seen a writable master, does not
 * answer: the fence can only be queued on its connection, as the hang rule's. Without this, a
 * server hung shorter than hang_fence_after_ms stayed unfenced past its lease (and with the
 * watchdog, was killed at the lease's end although its data-node lived).
 */
export function leaseFenceHung(inputs: LeaseInputs & HangInputs): boolean {
  if (inputs.lease_ms === 0 || inputs.server.answered) return false;
  if (inputs.last_answered === null || !writableMaster(inputs.last_answered)) return false;
  if (inputs.unanswered_since_ms === null) return false;
  return inputs.now_ms >= inputs.lease_until_ms - inputs.fence_lead_ms;
}

/**
 * An agent's `unfence` of a master is carried out only while the write lease holds: the lease rule
 * would fence it again at once, and in between it would take writes no majority vouched for. (An
 * agent that did not hear of a newer failover sent such unfences to an old primary after the new
 * one was promoted: `npm run sim -- --seed 378 --verbose` before this rule.) The fence stays, and
 * the node lifts it itself when a lease returns (write-lease.ts leaseLiftAllowed) or the agent
 * repeats the unfence.
 */
export function unfenceWaitsForLease(inputs: {
  readonly now_ms: number;
  readonly lease_until_ms: number;
  /** 0 = rule off. */
  readonly lease_ms: number;
  /** As LeaseInputs: a lease inside its last fence_lead_ms is as good as over. */
  readonly fence_lead_ms: number;
  readonly role: "master" | "slave" | null;
}): boolean {
  return (
    inputs.lease_ms !== 0 &&
    inputs.role === "master" &&
    inputs.now_ms >= inputs.lease_until_ms - inputs.fence_lead_ms
  );
}

export type SelfFenceInputs = CommittedEpochInputs &
  HangInputs &
  LeaseInputs & {
    /** A self-fence is already under way: decide nothing until it is settled. */
    readonly fence_in_flight: boolean;
  };

export type SelfFenceDecision =
  | { readonly fence: false }
  | {
      readonly fence: true;
      readonly reason: FenceReason;
      /**
       * The server does not answer: write the fence to its connection, where it runs first when
       * the server resumes (hang).
       */
      readonly queue: boolean;
      /** committed_epoch only: the epoch to record as accepted (null: keep the accepted one). */
      readonly raise_epoch_to: number | null;
      /** For the log and the report's last_error. */
      readonly detail: string;
    };

function leaseDetail(inputs: LeaseInputs): string {
  if (inputs.lease_until_ms === Number.NEGATIVE_INFINITY) {
    return `no write lease granted since the data-node started or promoted it (lease_ms ${inputs.lease_ms})`;
  }
  const expired_ms = Math.round(inputs.now_ms - inputs.lease_until_ms);
  if (expired_ms < 0) {
    return (
      `write lease ends in ${-expired_ms} ms, inside the watchdog's fence lead of ${inputs.fence_lead_ms} ms ` +
      `(no majority of agents renewed it; lease_ms ${inputs.lease_ms})`
    );
  }
  return `write lease expired ${expired_ms} ms ago (no majority of agents granted it; lease_ms ${inputs.lease_ms})`;
}

/** The rules in order: committed_epoch (it also raises the epoch), hang, lease (then queued). */
export function decideSelfFence(inputs: SelfFenceInputs): SelfFenceDecision {
  if (inputs.fence_in_flight) return { fence: false };
  const committed = inputs.committed;
  if (committed !== null && committedEpochFence(inputs)) {
    const raise = committed.config_epoch > inputs.accepted_epoch;
    return {
      fence: true,
      reason: "committed_epoch",
      queue: false,
      raise_epoch_to: raise ? committed.config_epoch : null,
      detail:
        `committed config epoch ${committed.config_epoch} names ` +
        `${committed.primary.host}:${committed.primary.port} as primary (accepted epoch ${inputs.accepted_epoch})`,
    };
  }
  if (hangFence(inputs)) {
    const waited_ms = Math.round(inputs.now_ms - (inputs.unanswered_since_ms ?? inputs.now_ms));
    return {
      fence: true,
      reason: "hang",
      queue: true,
      raise_epoch_to: null,
      detail: `writable master has not answered for ${waited_ms} ms (hang_fence_after_ms ${inputs.hang_fence_after_ms})`,
    };
  }
  if (leaseFence(inputs)) {
    return { fence: true, reason: "lease", queue: false, raise_epoch_to: null, detail: leaseDetail(inputs) };
  }
  if (leaseFenceHung(inputs)) {
    const detail = `${leaseDetail(inputs)}; the server does not answer: fence queued`;
    return { fence: true, reason: "lease", queue: true, raise_epoch_to: null, detail };
  }
  return { fence: false };
}
