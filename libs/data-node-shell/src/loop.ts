// The data-node's lease and self-fence loop: the part of node.ts that keeps a primary from taking
// writes it may lose. Time enters only through the Clock and Timers ports, I/O only through the
// others (ports.ts), so the data-node and the simulator run the same code.
//   lease tick   -> a request (bus; the agents directly too while the bus is down or the lease
//                   low: lease-channel.ts) -> an evaluation -> the next tick a quarter of the lease
//                   held later (write-lease.ts leaseRequestIntervalMs)
//   grant        -> write-lease.ts grantReceived -> lease end timer, watchdog, lift, promote wake
//   observation  -> last answered, a queued fence settled, watchdog, evaluation
//   evaluation   -> self-fence.ts decideSelfFence (inputs as the server was last seen) -> a fence
//                   behind the queued commands, or queued on the hung server's connection; none:
//                   the lift of its own lease fence (write-lease.ts leaseLiftAllowed)
import { PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import type { LeaseGrant, LeaseRequest, Result } from "@sentinel-plane/protocol";
import {
  decideSelfFence,
  directLeaseWanted,
  grantReceived,
  isFenced,
  leaseLiftAllowed,
  leaseRequestIntervalMs,
  leaseRequestRearmMs,
  leaseUntilMs,
  newWriteLease,
  promoteLeaseReset,
  requestSent,
  unfenceWaitsForLease,
  watchdogFenceLeadMs,
  watchdogLine,
} from "@sentinel-plane/core/data-node";
import { errorMessage } from "@sentinel-plane/runtime";
import type { Address } from "@sentinel-plane/core";
import type {
  CommittedTopology,
  FenceReason,
  LeaseRequestTick,
  SelfFenceDecision,
  SelfFenceInputs,
  ServerView,
  WriteLease,
} from "@sentinel-plane/core/data-node";
import type { DataNodePorts, Observed } from "./ports.js";

export interface DataNodeLoopOptions {
  readonly node_id: string;
  /** Null: the committed topology is not followed (no lease, no committed-epoch rule). */
  readonly master_name: string | null;
  /** This node's address as the agents know it. */
  readonly announce: Address;
  /** 0: the write lease is off. */
  readonly lease_ms: number;
  readonly hang_fence_after_ms: number;
  /** The failsafe's configured agents (the majority is never taken over fewer; for the log). */
  readonly failsafe_agents: readonly string[];
  /** The self-fence rule (default core decideSelfFence); the simulator's tests put in broken ones. */
  readonly decide?: (inputs: SelfFenceInputs) => SelfFenceDecision;
}

/** A self-fence under way (at most one). */
interface SelfFence {
  readonly reason: FenceReason;
  readonly detail: string;
  /** Written to the connection of a server that does not answer (decideSelfFence `queue`). */
  readonly queued: boolean;
  /** queued: the fence_generation of the written fence; null until it is written. */
  generation: number | null;
}

export class DataNodeLoop {
  readonly #options: DataNodeLoopOptions;
  readonly #ports: DataNodePorts;
  readonly #decideRule: (inputs: SelfFenceInputs) => SelfFenceDecision;
  readonly #lease: WriteLease;
  #lease_seq = 0;
  #stopped = false;
  /** NATS is connected, as its status events last said. */
  #bus_connected = false;
  /** The latest lease request went to the agents directly because NATS is down (for the log). */
  #failsafe_active = false;
  /** The epoch of the promote this process carried out: its lease requests say `promoted`. */
  #promoted_epoch: number | null = null;
  /** A promote waiting for the lease of its epoch (waitPromoteLease): its wake-up. */
  #promote_wait: { readonly wake: () => void } | null = null;
  /** A promote's transaction makes the server a writable master: the watchdog is armed first. */
  #promoting_writable = false;
  /** The server's fence is this node's own for reason `lease`: lifted when a lease returns. */
  #lease_fenced = false;
  #lease_lifting = false;
  #lease_end_cancel: (() => void) | null = null;
  /** The lease tick (armLeaseRequest): one timer, re-armed with the interval of the latest grant. */
  #lease_request_cancel: (() => void) | null = null;
  /** When that tick last ran (or was first armed) and the wait it was armed with. */
  #lease_request_tick: LeaseRequestTick = { ticked_ms: 0, interval_ms: 0 };
  #committed: CommittedTopology | null = null;
  /** The last probe that answered: what "last known writable master" means for the hang rule. */
  #last_answered: Observed | null = null;
  #self_fence: SelfFence | null = null;
  /** Counts fences written for the hang rule; a probe sent after one settles it. */
  #fence_generation = 0;
  #evaluation_scheduled = false;

  constructor(options: DataNodeLoopOptions, ports: DataNodePorts) {
    this.#options = options;
    this.#ports = ports;
    this.#decideRule = options.decide ?? decideSelfFence;
    // The majority is never taken over fewer agents than the configuration names (write-lease.ts).
    this.#lease = newWriteLease(options.failsafe_agents.length);
  }

  /** The lease tick starts (when the lease is on). */
  start(): void {
    if (this.#options.lease_ms > 0) this.#armLeaseRequest();
  }

  /** No timer fires, no evaluation runs, nothing is sent to the watchdog after this. */
  stop(): void {
    this.#stopped = true;
    this.#lease_end_cancel?.();
    this.#lease_end_cancel = null;
    this.#lease_request_cancel?.();
    this.#lease_request_cancel = null;
  }

  /** The lease as counted so far (logs, tests). */
  get lease(): Readonly<WriteLease> {
    return this.#lease;
  }

  /** Counts fences queued on the connection: a probe started now follows every one of them. */
  get fence_generation(): number {
    return this.#fence_generation;
  }

  /** An agent's command now owns the fence (false), or the unfence waits for a lease (true). */
  set lease_fenced(fenced: boolean) {
    this.#lease_fenced = fenced;
  }

  get lease_fenced(): boolean {
    return this.#lease_fenced;
  }

  /** NATS is connected, as its status events last said (the failsafe's input). */
  set bus_connected(connected: boolean) {
    this.#bus_connected = connected;
  }

  /** The committed topology as last observed (null: none yet, or deleted). */
  get committed(): CommittedTopology | null {
    return this.#committed;
  }

  /** The committed topology as last observed (null: none, or deleted); evaluated soon. */
  topologyObserved(committed: CommittedTopology | null): void {
    this.#committed = committed;
    this.scheduleEvaluation();
  }

  // ------------------------------------------------------------------------------------------
  // Observations

  /**
   * A probe's outcome; `generation`: fence_generation when it was sent (it settles a queued fence
   * sent before it). The caller updated RedisFence.current() first, and feeds the watchdog and
   * schedules an evaluation after its own bookkeeping (node.ts observe).
   */
  observe(observation: Observed, generation: number): void {
    if (this.#stopped || observation.answered !== true) return;
    this.#last_answered = observation;
    this.#settleHangFence(observation, generation);
    if (!isFenced(observation.min_replicas_to_write) && this.#self_fence === null) {
      this.#ports.status.note(null);
      this.#lease_fenced = false;
    }
  }

  /**
   * The supervised server exited: what the dead process last answered says nothing of the next
   * one (kept as "writable master", it armed the new server's watchdog with the lease, which killed
   * it when it was slow to answer its first probe, and so on).
   */
  serverExited(): void {
    this.#last_answered = null;
  }

  // ------------------------------------------------------------------------------------------
  // The write lease (write-lease.ts, docs/adr/0001-write-lease.md)

  /**
   * Publishes a lease request while the server is (or may be) a master; sends it to the agents
   * directly too while NATS is down or the lease runs low (failsafe, lease-channel.ts).
   * `promoting`: a promote waits for this lease (the server is still a replica).
   */
  requestLease(promoting = false): void {
    const master_name = this.#options.master_name;
    if (this.#options.lease_ms === 0 || master_name === null) return;
    // A replica needs no lease, unless a promote waits for one (promoteLeased).
    const { redis, bus, direct: direct_channel, clock } = this.#ports;
    if (redis.current().role === "slave" && !promoting) return;
    const on_bus = bus.open();
    const bus_connected = on_bus && this.#bus_connected;
    const direct =
      direct_channel !== null &&
      directLeaseWanted({
        failsafe: true,
        bus_connected,
        now_ms: clock.now_ms(),
        lease_until_ms: leaseUntilMs(this.#lease),
        configured_lease_ms: this.#options.lease_ms,
        granted_lease_ms: this.#lease.granted_lease_ms,
        fence_lead_ms: this.fenceLeadMs(),
      });
    if (!on_bus && !direct) return;
    this.#noteFailsafe(direct && !bus_connected);
    this.#lease_seq += 1;
    requestSent(this.#lease, this.#lease_seq, clock.now_ms());
    const epoch = redis.epoch();
    const request: LeaseRequest = {
      v: PROTOCOL_VERSION,
      type: "lease_request",
      node_id: this.#options.node_id,
      master_name,
      address: this.#options.announce,
      epoch,
      seq: this.#lease_seq,
      promoted: this.#promoted_epoch === epoch,
    };
    if (direct) direct_channel.request(request);
    if (on_bus) bus.publish(request);
  }

  /** Logs when the failsafe starts and stops standing in for NATS. */
  #noteFailsafe(active: boolean): void {
    if (active === this.#failsafe_active) return;
    this.#failsafe_active = active;
    const logger = this.#ports.logger;
    if (active) {
      logger.warn(
        { event: "failsafe_active", agents: this.#options.failsafe_agents },
        "NATS unreachable: asking the agents directly for the write lease (failsafe)",
      );
    } else {
      logger.info({ event: "failsafe_ended" }, "NATS reachable again: lease requests over NATS only");
    }
  }

  /** A grant, by NATS or directly (failsafe): counted the same way (write-lease.ts). */
  grant(grant: LeaseGrant): void {
    if (grant.node_id !== this.#options.node_id || grant.master_name !== this.#options.master_name) return;
    const extended = grantReceived(this.#lease, grant);
    this.#leaseRequestFollowsGrant();
    if (!extended) return;
    this.#armLeaseEnd();
    this.feedWatchdog();
    if (this.#lease_fenced) this.scheduleEvaluation();
    this.#promote_wait?.wake();
  }

  /**
   * The lease tick: a request, then an evaluation, then the next tick a quarter of the lease held
   * later (write-lease.ts leaseRequestIntervalMs: the granted lease may be shorter than ours). It
   * runs for a replica too, which sends nothing (requestLease), so a node made master by any path
   * asks on its next tick; stop() clears it.
   */
  #armLeaseRequest(): void {
    const interval_ms = leaseRequestIntervalMs(this.#options.lease_ms, this.#lease.granted_lease_ms);
    this.#lease_request_tick = { ticked_ms: this.#ports.clock.now_ms(), interval_ms };
    this.#leaseTickIn(interval_ms);
  }

  /** The one lease-request timer: arming it drops the one armed before. */
  #leaseTickIn(wait_ms: number): void {
    this.#lease_request_cancel?.();
    this.#lease_request_cancel = null;
    if (this.#stopped) return;
    this.#lease_request_cancel = this.#ports.timers.after(wait_ms, () => {
      this.#lease_request_cancel = null;
      this.requestLease();
      this.scheduleEvaluation();
      this.#armLeaseRequest();
    });
  }

  /** A grant shortened the interval: the tick armed with the longer one would come too late. */
  #leaseRequestFollowsGrant(): void {
    if (this.#lease_request_cancel === null) return;
    const interval_ms = leaseRequestIntervalMs(this.#options.lease_ms, this.#lease.granted_lease_ms);
    const now_ms = this.#ports.clock.now_ms();
    const wait_ms = leaseRequestRearmMs(this.#lease_request_tick, now_ms, interval_ms);
    if (wait_ms === null) return;
    this.#lease_request_tick = { ...this.#lease_request_tick, interval_ms };
    this.#leaseTickIn(wait_ms);
  }

  /**
   * Evaluates the moment the lease runs out, not at the next poll or lease tick: that can come a
   * poll period later, which the leader's wait (lease x 1.1 + 20 ms) does not cover when it binds.
   */
  #armLeaseEnd(): void {
    const until_ms = this.#lease.until_ms;
    if (until_ms === null || this.#stopped) return;
    this.#lease_end_cancel?.();
    const wait_ms = Math.max(0, Math.ceil(until_ms - this.fenceLeadMs() - this.#ports.clock.now_ms())) + 1;
    this.#lease_end_cancel = this.#ports.timers.after(wait_ms, () => {
      this.#lease_end_cancel = null;
      this.scheduleEvaluation();
    });
  }

  /** watchdog.ts watchdogFenceLeadMs: the lease self-fence comes this long before its end. */
  fenceLeadMs(): number {
    return watchdogFenceLeadMs(
      this.#lease.granted_lease_ms ?? this.#options.lease_ms,
      this.#ports.watchdog !== null,
    );
  }

  /** The write lease is on: configured, and the committed topology followed. */
  leaseOn(): boolean {
    return this.#options.lease_ms > 0 && this.#options.master_name !== null;
  }

  /** An agent's unfence of a master waits for a valid lease (self-fence.ts unfenceWaitsForLease). */
  unfenceWaits(role: "master" | "slave" | null): boolean {
    return unfenceWaitsForLease({
      now_ms: this.#ports.clock.now_ms(),
      lease_until_ms: leaseUntilMs(this.#lease),
      lease_ms: this.#options.master_name === null ? 0 : this.#options.lease_ms,
      fence_lead_ms: this.fenceLeadMs(),
      role,
    });
  }

  /** A valid lease vouching for `epoch` is held now (write-lease.ts leaseLiftAllowed). */
  liftAllowed(epoch: number): boolean {
    return leaseLiftAllowed(this.#lease, this.#ports.clock.now_ms(), epoch, this.fenceLeadMs());
  }

  /**
   * A promote was accepted at `epoch`: the lease held so far (an older primary's) vouched for an
   * older epoch and is dropped; the lease requests from now on say `promoted`.
   */
  promoted(epoch: number): void {
    promoteLeaseReset(this.#lease);
    this.#promoted_epoch = epoch;
  }

  /** Resolves when a grant extended the lease to one vouching for `epoch`, or after `wait_ms`. */
  waitPromoteLease(epoch: number, wait_ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel: (() => void) | null = null;
      const done = (): void => {
        cancel?.();
        cancel = null;
        if (this.#promote_wait === wait) this.#promote_wait = null;
        resolve();
      };
      const wait = {
        wake: () => {
          if (this.#stopped || (this.#lease.granted_epoch ?? 0) >= epoch) done();
        },
      };
      this.#promote_wait = wait;
      cancel = this.#ports.timers.after(wait_ms, done);
    });
  }

  /**
   * Runs a promote's transaction that makes the server a writable master: the watchdog is armed
   * first, and stays armed while it runs whatever a probe landing meanwhile saw; fed again after.
   */
  async promotingWritable<T>(run: () => Promise<T>): Promise<T> {
    this.#promoting_writable = true;
    this.feedWatchdog(); // armed before the server is a writable master
    try {
      return await run();
    } finally {
      this.#promoting_writable = false;
      this.feedWatchdog(); // for the server as now seen (disarmed when still a replica)
    }
  }

  /**
   * The watchdog's line for the server as last seen (core watchdog.ts watchdogLine); `unfencing`:
   * an unfence of a master is about to run, so the watchdog is armed first.
   */
  feedWatchdog(unfencing = false): void {
    const watchdog = this.#ports.watchdog;
    if (watchdog === null || this.#stopped) return;
    const last = this.#last_answered;
    const server = last === null ? null : { role: last.role, fenced: isFenced(last.min_replicas_to_write) };
    const now_ms = this.#ports.clock.now_ms();
    // While a promote's transaction runs, the server is about to be a writable master whatever
    // the last probe saw: a probe landing meanwhile must not disarm the watchdog.
    const promoting = this.#promoting_writable;
    const line = watchdogLine({
      now_ms,
      lease_until_ms: leaseUntilMs(this.#lease),
      lease_ms: this.leaseOn() ? this.#options.lease_ms : 0,
      last_answered: promoting ? { role: "master", fenced: true } : server,
      unfencing: unfencing || promoting,
    });
    watchdog.send(line, now_ms, server);
  }

  // ------------------------------------------------------------------------------------------
  // Self-fencing: decided by decideSelfFence (self-fence.ts), carried out here, one at a time.

  /** Evaluates soon (Timers.soon), once: several causes in one turn make one evaluation. */
  scheduleEvaluation(): void {
    if (this.#evaluation_scheduled || this.#stopped) return;
    this.#evaluation_scheduled = true;
    this.#ports.timers.soon(() => {
      this.#evaluation_scheduled = false;
      this.#evaluateSelfFence();
    });
  }

  #serverView(observation: Observed): ServerView {
    const answered = observation.answered === true && !this.#ports.redis.exited();
    return {
      answered,
      role: answered ? observation.role : null,
      fenced: isFenced(observation.min_replicas_to_write),
    };
  }

  #decide(): SelfFenceDecision {
    const redis = this.#ports.redis;
    return this.#decideRule({
      now_ms: this.#ports.clock.now_ms(),
      self: this.#options.announce,
      accepted_epoch: redis.epoch(),
      committed: this.#committed,
      server: this.#serverView(redis.current()),
      last_answered: this.#last_answered === null ? null : this.#serverView(this.#last_answered),
      unanswered_since_ms: redis.unansweredSinceMs(),
      hang_fence_after_ms: this.#options.hang_fence_after_ms,
      lease_until_ms: leaseUntilMs(this.#lease),
      lease_ms: this.#options.master_name === null ? 0 : this.#options.lease_ms,
      fence_lead_ms: this.fenceLeadMs(),
      fence_in_flight: this.#self_fence !== null,
    });
  }

  #evaluateSelfFence(): void {
    if (this.#stopped) return;
    this.feedWatchdog();
    const decision = this.#decide();
    if (!decision.fence) {
      this.#maybeLiftLeaseFence();
      return;
    }
    const fence: SelfFence = {
      reason: decision.reason,
      detail: decision.detail,
      queued: decision.queue,
      generation: null,
    };
    this.#self_fence = fence;
    if (decision.queue) {
      // Not behind the command queue: a command there may itself wait for the hung server.
      void this.#fenceHung(fence);
      return;
    }
    // Behind the commands already queued, so an epoch check and the fence never interleave.
    this.#ports.redis.queued(
      () => this.#fenceAnswering(fence),
      (error) => {
        this.#ports.logger.error(
          { event: "fence_failed", reason: fence.reason, error: errorMessage(error) },
          "self-fence crashed",
        );
      },
    );
  }

  /** committed_epoch and lease: the server answers; persist, fence, probe, log. */
  async #fenceAnswering(fence: SelfFence): Promise<void> {
    const { redis, status } = this.#ports;
    try {
      // Decided again on a fresh probe: a command before this one may have changed everything.
      await redis.freshProbe();
      this.#self_fence = null;
      const decision = this.#decide();
      if (!decision.fence || decision.reason !== fence.reason) return;
      this.#self_fence = fence;
      const observed = redis.current();
      // The value to restore is persisted beside the fence, not before it: a state write waits
      // for two fsyncs, which on a loaded host outlasted the watchdog's fence lead, and the
      // watchdog killed a healthy primary whose grants had paused (CI, 2026-12-05: rolling
      // restart and pre-promote tests). Failing closed matters more than remembering that value:
      // a data-node that dies between the two restores the config file's (start) instead.
      const saving = redis.saveFence(observed.min_replicas_to_write ?? 0, decision.raise_epoch_to);
      const fencing = redis.fence((observed.config_file ?? "") !== "");
      this.#logUnsaved(fence, await saving);
      const result = await fencing;
      // Before the probe that publishes `fenced`, so that report already says why.
      if (result.ok) status.note(`fenced (${fence.reason}): ${fence.detail}`);
      await redis.freshProbe();
      this.#settle(fence, result.ok ? result.value : null, result.ok ? null : result.error.message);
    } finally {
      if (this.#self_fence === fence) this.#self_fence = null;
    }
  }

  /**
   * hang: the server does not answer, so the fence is written to the open connection where it
   * waits in the server's socket buffer and runs when the process resumes (in the same pass as
   * writes buffered on other connections, in no set order: watchdog.ts). It is settled
   * by its reply or, when the client's command timeout rejected that, by the first probe sent
   * after it that answers (the connection is FIFO).
   */
  async #fenceHung(fence: SelfFence): Promise<void> {
    const { redis, status, logger } = this.#ports;
    // Null only if nothing answered since the start: keep what an earlier process saved.
    const last = this.#last_answered;
    // Persisted beside the fence, not before it (#fenceAnswering says why).
    const saving = redis.saveFence(last?.min_replicas_to_write ?? null, null);
    const pending = redis.fence((last?.config_file ?? "") !== "");
    // Not a fence for the watchdog (core watchdog.ts watchdogLine): it stays armed until the
    // server answers, fenced, or its lease ends.
    fence.generation = ++this.#fence_generation;
    status.note(`fence queued (${fence.reason}): ${fence.detail}`);
    logger.warn(
      { event: "fence_queued", reason: fence.reason, detail: fence.detail },
      "fence queued on the connection to the hung server",
    );
    status.publish();
    this.#logUnsaved(fence, await saving);
    const result = await pending;
    if (this.#self_fence !== fence) return; // already settled by a probe
    if (result.ok) {
      this.#settle(fence, result.value, null);
    } else if (!/timed out/i.test(result.error.message)) {
      this.#settle(fence, null, result.error.message);
    }
    // Timed out: the bytes are on the connection; a later probe settles it.
  }

  /** A failed state write is logged; the fence went out anyway. */
  #logUnsaved(fence: SelfFence, saved: Result<void>): void {
    if (saved.ok) return;
    this.#ports.logger.error(
      { event: "state_persist_failed", reason: fence.reason, error: saved.error.message },
      "self-fence state not persisted",
    );
  }

  #settleHangFence(observation: Observed, generation: number): void {
    const fence = this.#self_fence;
    if (fence?.queued !== true || fence.generation === null || generation < fence.generation) return;
    const fenced = isFenced(observation.min_replicas_to_write);
    this.#settle(fence, fenced ? ["fence ran when the server resumed"] : null, fenced ? null : "fence lost");
  }

  /** Logs the outcome of a self-fence and ends it. */
  #settle(fence: SelfFence, done: readonly string[] | null, error: string | null): void {
    const { redis, status, logger, counters } = this.#ports;
    if (this.#self_fence === fence) this.#self_fence = null;
    const fenced = isFenced(redis.current().min_replicas_to_write) || done !== null;
    if (fenced) {
      status.note(`fenced (${fence.reason}): ${fence.detail}`);
      if (fence.reason === "lease") this.#lease_fenced = true;
      counters.inc("self_fences_total", { reason: fence.reason });
      logger.warn(
        { event: "fenced", reason: fence.reason, detail: fence.detail, epoch: redis.epoch(), done },
        "fenced the server",
      );
    } else {
      status.note(null);
      status.error(`self-fence (${fence.reason}) failed: ${error ?? "unknown"}`);
      logger.error(
        { event: "fence_failed", reason: fence.reason, detail: fence.detail, error },
        "self-fence failed",
      );
    }
    status.publish();
    this.scheduleEvaluation();
  }

  /**
   * Lifts this node's own lease fence once a valid lease of the accepted epoch returned, on a server
   * whose latest probe answered: the lift's own probe of a dead one schedules the next evaluation,
   * which would try again at once, as fast as probes fail, for as long as the lease holds. The next
   * probe that answers (the poll's) tries again.
   */
  #maybeLiftLeaseFence(): void {
    if (!this.#lease_fenced || this.#lease_lifting || this.#self_fence !== null) return;
    if (this.#ports.redis.current().answered !== true) return;
    if (!this.liftAllowed(this.#ports.redis.epoch())) return;
    this.#lease_lifting = true;
    this.#ports.redis.queued(
      async () => {
        try {
          await this.#liftLeaseFence();
        } finally {
          this.#lease_lifting = false;
        }
      },
      (error) => {
        this.#ports.logger.error(
          { event: "unfence_failed", error: errorMessage(error) },
          "lease unfence crashed",
        );
      },
    );
  }

  async #liftLeaseFence(): Promise<void> {
    const { redis, status, logger } = this.#ports;
    await redis.freshProbe();
    const observed = redis.current();
    // Decided again behind the queued commands: one of them may own the fence now.
    if (!this.#lease_fenced || !this.liftAllowed(redis.epoch())) return;
    if (redis.strictHoldsFence()) return; // strict mode lifts it once a replica is in sync
    if (observed.answered !== true || !isFenced(observed.min_replicas_to_write)) return;
    this.feedWatchdog(true); // armed before the server is writable
    const result = await redis.unfence((observed.config_file ?? "") !== "");
    if (!result.ok) {
      logger.error({ event: "unfence_failed", error: result.error.message }, "lease unfence failed");
      return;
    }
    await redis.clearFenceSaved(result.value);
    this.#lease_fenced = false;
    status.note(null);
    this.#ports.counters.inc("lease_unfences_total", {});
    logger.warn(
      { event: "unfenced", reason: "lease", epoch: redis.epoch(), done: result.value },
      "write lease back: lifted the lease fence",
    );
    await redis.freshProbe();
    status.publish();
  }
}
