// The simulated data-node: the real data-node's pure rules (@sentinel-plane/core/data-node: the
// epoch check, the self-fence rules, the write lease) carried out on a simulated clock, as node.ts
// carries them out on performance.now(). One per simulated Redis node; the world (world.ts) moves
// its messages over the simulated bus (lease requests and grants, commands, reports, the topology
// watch) and gives it its server, always reachable (same host).
//
// Its clock is its own process's monotonic clock: it starts at 0 when the process starts and runs
// at `rate` times simulated time (drift, within the ADR's clock-rate margin). A restart loses every
// in-memory thing (the lease, pending requests, the observed topology, its own lease fence) and
// keeps the persisted epoch and issuer (on SimNode, as the state file), then adopts the server that
// is still running: with no lease received since the start, a writable master is fenced at once
// and lifted on the first majority grant, as node.ts does.
// Failsafe (core data-node lease-channel.ts): while its bus is down or its lease runs low it also
// asks the agents directly (their REST port, on the host network: the world's agent-to-host links),
// with the same request; the majority is counted over the configured agents at least.
// The Redis watchdog (core data-node watchdog.ts), on unless the world turns it off: a process on
// the host beside the server, fed by the data-node's `arm`/`disarm` lines (no delay: a pipe). It
// outlives the data-node: when the data-node dies armed, it kills the server at the deadline, and a
// restarted data-node replaces it only once it sees the server fenced or a replica (its own lease
// self-fence: it holds no lease yet). Its clock is the host's (the data-node's rate, not reset by a
// data-node restart).
// Defaults are the data-node's (services/data-node/src/config.ts).
import {
  adoptedWatchdogReplaceable,
  decideSelfFence,
  leaseLiftAllowed,
  leaseUntilMs,
  newWriteLease,
  WATCHDOG_STARTED,
  watchdogFenceLeadMs,
} from "@sentinel-plane/core/data-node";
import type {
  LeaseRequestTick,
  SelfFenceDecision,
  SelfFenceInputs,
  ServerView,
  WatchdogState,
  WriteLease,
} from "@sentinel-plane/core/data-node";
import type { TopologyRecord } from "@sentinel-plane/core";
import type { SimNode } from "./redis-model.js";

/** poll_interval_ms, lease_ms and hang_fence_after_ms defaults of the data-node. */
export const DN_POLL_MS = 100;
export const DN_LEASE_MS = 500;
export const DN_HANG_FENCE_AFTER_MS = 500;
/** restart_delay_ms default: a live data-node restarts its exited server after it. */
export const DN_RESTART_DELAY_MS = 1000;
/**
 * restart_primary_wait_ms: a crashed committed primary is not restarted until another primary is
 * committed, and starts held after this (restart-plan.ts). 30 s by default; shorter here so a
 * seed where no failover can happen still settles within the heal deadline.
 */
export const DN_RESTART_PRIMARY_WAIT_MS = 5000;

/** The self-fence rule the simulated data-node runs (a test may hand in a broken one). */
export type SelfFenceRule = (inputs: SelfFenceInputs) => SelfFenceDecision;

/** The watchdog process beside a server: `id` tells a newer one from the one a timer was set for. */
export interface SimWatchdog {
  readonly id: number;
  state: WatchdogState;
}

export class SimDataNode {
  alive = true;
  /** The watchdog running on the host (null: none); `watchdog_own`: this process feeds it. */
  watchdog: SimWatchdog | null = null;
  watchdog_own = false;
  watchdog_ids = 0;
  /** The watchdog killed the server (the next data-node start spawns it again, fenced). */
  killed_by_watchdog = false;
  /** Counts process starts: timers and replies of an older process are dropped. */
  incarnation = 1;
  /** Simulated time of the process start: its monotonic clock reads 0 there. */
  started_ms = 0;
  lease: WriteLease;
  lease_seq = 0;
  /** node.ts lease_request_timer: the armed lease tick's number (re-arming drops the older one). */
  lease_request_timer = 0;
  /** When that tick last ran and the wait it was armed with (own clock). */
  lease_request_tick: LeaseRequestTick = { ticked_ms: 0, interval_ms: 0 };
  /** The epoch of the promote command this process carried out (lease requests say `promoted`). */
  promoted_epoch: number | null = null;
  /** The server's fence is this node's own for reason `lease`: lifted when a lease returns. */
  lease_fenced = false;
  committed: { readonly record: TopologyRecord; readonly revision: number } | null = null;
  last_answered: ServerView | null = null;
  /** When the probe still waiting for the hung server was sent (own clock); null: none waits. */
  unanswered_since_ms: number | null = null;
  /** Its latest lease request went to the agents directly because its bus is down (for the log). */
  direct = false;

  constructor(
    readonly node: SimNode,
    /** Its name on the bus (partitions block `d1>a2` and the like). */
    readonly name: string,
    /** Rate of its clock against simulated time. */
    readonly rate: number,
    /** The agents its configuration names (the direct channel's addresses). */
    readonly agents_configured: number,
    /** supervise.watchdog (default on). */
    readonly watchdog_on = true,
  ) {
    this.lease = newWriteLease(agents_configured);
  }

  /** Its monotonic clock at simulated time `sim_ms`. */
  clock(sim_ms: number): number {
    return (sim_ms - this.started_ms) * this.rate;
  }

  /** The host's monotonic clock (the watchdog's): the same rate, not reset by a restart. */
  hostClock(sim_ms: number): number {
    return sim_ms * this.rate;
  }

  /** watchdog.ts watchdogFenceLeadMs: how long before the lease's end it fences. */
  get fence_lead_ms(): number {
    return watchdogFenceLeadMs(this.lease.granted_lease_ms ?? DN_LEASE_MS, this.watchdog_on);
  }

  /** A new watchdog fed by this process (the previous one, if any, was ended first). */
  spawnWatchdog(): SimWatchdog {
    this.watchdog_ids += 1;
    const watchdog = { id: this.watchdog_ids, state: WATCHDOG_STARTED };
    this.watchdog = watchdog;
    this.watchdog_own = true;
    return watchdog;
  }

  /**
   * The watchdog this process feeds, replacing a predecessor's once the server is seen fenced or a
   * replica (watchdog.ts adoptedWatchdogReplaceable); null while the old one must stay.
   */
  ownWatchdog(): SimWatchdog | null {
    if (!this.watchdog_on || !this.alive) return null;
    if (this.watchdog_own && this.watchdog !== null) return this.watchdog;
    if (!adoptedWatchdogReplaceable(this.last_answered)) return null;
    return this.spawnWatchdog();
  }

  /** Simulated milliseconds that `own_ms` of its clock take. */
  simDelay(own_ms: number): number {
    return Math.max(1, Math.round(own_ms / this.rate));
  }

  crash(): void {
    this.alive = false;
    this.incarnation += 1;
    this.watchdog_own = false; // its watchdog reads the end of the pipe (world.ts)
  }

  /** A new process: in-memory state starts over; the persisted epoch (on the node) stays. */
  start(sim_ms: number): void {
    this.alive = true;
    this.incarnation += 1;
    this.started_ms = sim_ms;
    this.lease = newWriteLease(this.agents_configured);
    this.lease_seq = 0;
    this.lease_request_tick = { ticked_ms: 0, interval_ms: 0 };
    this.direct = false;
    this.promoted_epoch = null;
    this.lease_fenced = false;
    this.committed = null;
    this.last_answered = null;
    this.unanswered_since_ms = null;
    // No watchdog left running (the previous one exited or killed the server): its own at once;
    // else it replaces the running one once the server is seen not writable (ownWatchdog).
    if (this.watchdog_on && this.watchdog === null) this.spawnWatchdog();
    else this.watchdog_own = false;
  }

  /** One probe of its server (a hung one leaves the probe waiting). */
  probe(sim_ms: number): ServerView {
    const node = this.node;
    if (node.process === "hung") {
      this.unanswered_since_ms ??= this.clock(sim_ms);
      return { answered: false, role: null, fenced: node.fenced };
    }
    this.unanswered_since_ms = null;
    if (node.process === "killed") return { answered: false, role: null, fenced: node.fenced };
    const view: ServerView = { answered: true, role: node.role, fenced: node.fenced };
    this.last_answered = view;
    // As node.ts observe(): an unfenced server means no fence of ours is left to lift.
    if (!node.fenced && !node.fence_queued) this.lease_fenced = false;
    return view;
  }

  decide(sim_ms: number, view: ServerView, rule: SelfFenceRule): SelfFenceDecision {
    const record = this.committed?.record ?? null;
    return rule({
      now_ms: this.clock(sim_ms),
      self: this.node.address,
      accepted_epoch: this.node.epoch,
      committed: record === null ? null : { config_epoch: record.config_epoch, primary: record.primary },
      server: view,
      last_answered: this.last_answered,
      unanswered_since_ms: this.unanswered_since_ms,
      hang_fence_after_ms: DN_HANG_FENCE_AFTER_MS,
      lease_until_ms: leaseUntilMs(this.lease),
      lease_ms: DN_LEASE_MS,
      fence_lead_ms: this.fence_lead_ms,
      fence_in_flight: this.node.fence_queued,
    });
  }

  /** Its own lease fence may be lifted now (write-lease.ts leaseLiftAllowed, on a fenced server). */
  mayLiftLeaseFence(sim_ms: number, view: ServerView): boolean {
    if (!this.lease_fenced || !view.answered || !view.fenced) return false;
    return leaseLiftAllowed(this.lease, this.clock(sim_ms), this.node.epoch, this.fence_lead_ms);
  }
}

export const productionSelfFence: SelfFenceRule = decideSelfFence;
