// The vip-manager's loop (the vip-manager runs it over ip/arping/NATS KV, the simulator over
// in-memory ports: libs/testkit sim). Inputs (records read or watched, read failures, ticks, NATS status,
// VIP command outcomes) go through one bounded queue and are handled one at a time; the effects
// (VIP targets, hook runs, KV reads, watch restarts) are started from there and report back as
// inputs. No state changes inside callbacks.
//
// Contact with the control plane is a completed read of the committed topology, dated when the
// read was *sent* (fail closed: the answer proves nothing newer). Without contact for lease_ms,
// desiredVipState says release for every VIP.
//
// Time enters only through the options (now_ms, timers): no Node timer, no clock read here.
import assert from "node:assert/strict";
import type { ScriptEvent, ScriptJob, ScriptOutcome } from "@sentinel-plane/hooks";
import { clientReconfigArgv, notificationArgv } from "@sentinel-plane/hooks";
import type { ErrorCode } from "@sentinel-plane/protocol";
import type { Logger } from "@sentinel-plane/runtime";
import { errorMessage } from "@sentinel-plane/runtime";
import { desiredVipState } from "@sentinel-plane/core/vip";
import type { HostAddress, VipDecision, VipStateInput } from "@sentinel-plane/core/vip";
import type { Endpoint, MasterView } from "./follower.js";
import { observeRecord } from "./follower.js";
import type { HookPort, Timers, TopologyPort, TopologyRead, VipPort } from "./ports.js";
import { parseHostAddress } from "./host-address.js";
import { VipError } from "./vip-error.js";
import type { VipOutcome, VipTarget, VipWait } from "./vip-slot.js";
import { VipSlot } from "./vip-slot.js";

export interface VipManagerSettings {
  readonly host_name: string;
  readonly host_addresses: readonly string[];
  readonly lease_ms: number;
  readonly reconcile_interval_ms: number;
  /**
   * A host that should hold a VIP binds it only once no other host answers for it; past this
   * bound (oldHolderGoneWithin_ms: the old holder's address has surely gone) an answer is a
   * conflict, reported once, and still no bind.
   */
  readonly bind_wait_max_ms: number;
  readonly release_on_shutdown: boolean;
  readonly shutdown_hooks_wait_ms: number;
  readonly client_reconfig_script: string | null;
  readonly notification_script: string | null;
  /** Masters whose changes run the hooks (and are read every tick); null: every master. */
  readonly hook_masters: readonly string[] | null;
}

export interface VipManagerOptions {
  readonly settings: VipManagerSettings;
  readonly logger: Logger;
  readonly vips: readonly VipPort[];
  /** null when no script is configured. */
  readonly hooks: HookPort | null;
  /** Monotonic milliseconds: performance.now() in the vip-manager, simulated time in the simulator. */
  readonly now_ms: () => number;
  /** The periodic tick, the bind retries, the shutdown's wait for hooks (nodeTimers in the vip-manager). */
  readonly timers: Timers;
  /** Start the periodic tick in start(); tests drive tick() themselves. Default true. */
  readonly auto_tick?: boolean;
  /** The desired-state rule (default: core `desiredVipState`); the simulator's tests put in broken ones. */
  readonly decide?: (input: VipStateInput) => VipDecision;
}

type Input =
  | {
      readonly kind: "read_done";
      readonly sent_ms: number;
      readonly reads: readonly [string, TopologyRead][];
    }
  | { readonly kind: "read_failed"; readonly error: string }
  | { readonly kind: "watch_entry"; readonly master_name: string; readonly read: TopologyRead }
  | { readonly kind: "watch_ended"; readonly reason: string }
  | { readonly kind: "tick" }
  | { readonly kind: "nats_status"; readonly type: string }
  | { readonly kind: "vip_outcome"; readonly slot: VipSlot; readonly outcome: VipOutcome }
  | { readonly kind: "vip_retry"; readonly slot: VipSlot }
  | { readonly kind: "script_event"; readonly event: ScriptEvent }
  | { readonly kind: "script_finished"; readonly job: ScriptJob; readonly outcome: ScriptOutcome };

/** Inputs come from a handful of sources, each bounded; this only guards against a bug. */
const INPUTS_MAX = 4096;
const HOOK_JOBS_TRACKED_MAX = 1024;
const ADDRESS_IN_USE: ErrorCode = "SP_ERR_VIP_ADDRESS_IN_USE";
/**
 * A probe that found the VIP still answered is repeated this soon, then twice as late each time
 * up to the reconcile interval (bind-guard.ts): in an ordinary failover the old holder removes
 * the address while this host probes, and losing that race must not cost a whole interval.
 */
const BIND_RETRY_MIN_MS = 20;

interface HookJobInfo {
  readonly hook: "client_reconfig" | "notification";
  readonly master_name: string | null;
  readonly config_epoch: number | null;
}

/** What /metrics and /healthz report (metrics.ts renders it); read, never changed, by the caller. */
export interface VipManagerSnapshot {
  readonly vips: readonly {
    readonly master_name: string;
    readonly vip: string;
    readonly interface: string;
    /** The last command sequence that succeeded bound it here (hold), or removed it (release). */
    readonly held: boolean;
    /** Failed `ip addr`/arping sequences since start. */
    readonly command_failures: number;
    /** Waits that passed bind_wait_max_ms with another host still answering for the VIP. */
    readonly address_conflicts: number;
  }[];
  /** Time since the last read of the committed topology was sent; null before the first. */
  readonly lease_age_s: number | null;
  readonly lease_s: number;
  /** Fenced: no contact within the lease, every VIP released until contact again. */
  readonly lease_lost: boolean;
  /** Hook runs that ended in "error" or "dropped", by hook. */
  readonly hook_failures: Readonly<Record<"client_reconfig" | "notification", number>>;
}

export class VipManager {
  readonly #settings: VipManagerSettings;
  /** host_addresses parsed once (host-address.ts); an unparseable entry matches nothing. */
  readonly #host_addresses: readonly HostAddress[];
  readonly #logger: Logger;
  readonly #hooks: HookPort | null;
  readonly #now_ms: () => number;
  readonly #timers: Timers;
  readonly #auto_tick: boolean;
  readonly #decide: (input: VipStateInput) => VipDecision;
  readonly #slots: readonly VipSlot[];
  /** Masters read every tick: those with a VIP and those named for hooks. */
  readonly #followed: readonly string[];
  readonly #views = new Map<string, MasterView>();
  /** Masters whose key is absent (removed) since their last adopted record. */
  readonly #absent = new Set<string>();
  readonly #ignored_revision = new Map<string, number>();
  readonly #last_logged = new Map<VipSlot, string>();
  readonly #last_error = new Map<VipSlot, string>();
  readonly #hook_jobs = new Map<number, HookJobInfo>();
  readonly #inputs: Input[] = [];
  #processing = false;
  #topology: TopologyPort | null = null;
  #started_ms = 0;
  #last_contact_ms: number | null = null;
  #lease_lost = false;
  #read_in_flight = false;
  #read_failures = 0;
  #watch_broken = false;
  /** Cancels the pending periodic tick; null when none is armed. */
  #timer: (() => void) | null = null;
  #stopped = false;
  /** For the snapshot: the last successful outcome per VIP, failures per VIP, hook failures. */
  readonly #held = new Map<VipSlot, boolean>();
  readonly #command_failures = new Map<VipSlot, number>();
  readonly #address_conflicts = new Map<VipSlot, number>();
  /** At most one pending bind retry per VIP (only with auto_tick: tests drive ticks themselves). */
  readonly #retry_timers = new Map<VipSlot, () => void>();
  readonly #hook_failures = { client_reconfig: 0, notification: 0 };

  constructor(options: VipManagerOptions) {
    this.#settings = options.settings;
    this.#host_addresses = options.settings.host_addresses
      .map(parseHostAddress)
      .filter((entry): entry is HostAddress => entry !== null);
    this.#logger = options.logger;
    this.#hooks = options.hooks;
    this.#now_ms = options.now_ms;
    this.#timers = options.timers;
    this.#auto_tick = options.auto_tick ?? true;
    this.#decide = options.decide ?? desiredVipState;
    assert.ok(this.#settings.lease_ms > 0 && this.#settings.reconcile_interval_ms > 0);
    assert.ok(this.#settings.bind_wait_max_ms > 0);
    const slot_options = {
      guard: {
        wait_max_ms: this.#settings.bind_wait_max_ms,
        retry_min_ms: Math.min(BIND_RETRY_MIN_MS, this.#settings.reconcile_interval_ms),
        retry_max_ms: this.#settings.reconcile_interval_ms,
      },
      now_ms: this.#now_ms,
    };
    this.#slots = options.vips.map(
      (port) =>
        new VipSlot(port, slot_options, (slot, outcome) => {
          this.#push({ kind: "vip_outcome", slot, outcome });
        }),
    );
    const followed = new Set(options.vips.map((port) => port.config.master_name));
    assert.equal(followed.size, options.vips.length, "one VIP per master");
    for (const name of this.#settings.hook_masters ?? []) followed.add(name);
    this.#followed = [...followed];
  }

  /** Starts the clock of the lease and the periodic tick; nothing is read until attach(). */
  start(): void {
    this.#started_ms = this.#now_ms();
    if (this.#auto_tick) this.#armTick();
  }

  /** One timer re-armed when it fires: an interval of reconcile_interval_ms (setInterval's). */
  #armTick(): void {
    this.#timer = this.#timers.after(this.#settings.reconcile_interval_ms, () => {
      if (this.#stopped) return;
      this.#armTick();
      this.#push({ kind: "tick" });
    });
  }

  /**
   * Connects the loop to the committed topology: reads every followed master's record and
   * reconciles the VIPs from it before anything else, then starts the watch.
   */
  async attach(topology: TopologyPort): Promise<void> {
    assert.equal(this.#topology, null, "attach once");
    this.#topology = topology;
    const sent_ms = this.#now_ms();
    try {
      const reads = await this.#readAll(topology);
      this.#push({ kind: "read_done", sent_ms, reads });
      this.#logger.info(
        { event: "initial_reconcile", masters: this.#followed, ok: true },
        "reconciled from the committed topology",
      );
    } catch (error) {
      this.#push({ kind: "read_failed", error: errorMessage(error) });
      this.#logger.warn(
        { event: "initial_reconcile", masters: this.#followed, ok: false, error: errorMessage(error) },
        "could not read the committed topology at start; retrying every tick",
      );
    }
    await this.#vipsIdle();
    if (this.#stopped) return;
    this.#startWatch();
  }

  /** Runs one reconcile pass now (the periodic timer does the same). */
  tick(): void {
    this.#push({ kind: "tick" });
  }

  /** A NATS status change (`disconnect`, `reconnect`, ...). */
  natsStatus(type: string): void {
    this.#push({ kind: "nats_status", type });
  }

  scriptEvent(event: ScriptEvent): void {
    this.#push({ kind: "script_event", event });
  }

  scriptFinished(job: ScriptJob, outcome: ScriptOutcome): void {
    this.#push({ kind: "script_finished", job, outcome });
  }

  /** The newest record this process adopted for a master. */
  view(master_name: string): MasterView | null {
    return this.#views.get(master_name) ?? null;
  }

  /** The figures of /metrics and /healthz. */
  snapshot(): VipManagerSnapshot {
    const since_ms = this.#last_contact_ms;
    return {
      vips: this.#slots.map((slot) => ({
        master_name: slot.port.config.master_name,
        vip: slot.port.config.vip,
        interface: slot.port.config.interface,
        held: this.#held.get(slot) ?? false,
        command_failures: this.#command_failures.get(slot) ?? 0,
        address_conflicts: this.#address_conflicts.get(slot) ?? 0,
      })),
      lease_age_s: since_ms === null ? null : Math.max(0, this.#now_ms() - since_ms) / 1000,
      lease_s: this.#settings.lease_ms / 1000,
      lease_lost: this.#lease_lost,
      hook_failures: { ...this.#hook_failures },
    };
  }

  /** Resolves once no VIP command runs or waits (tests). */
  async idle(): Promise<void> {
    await this.#vipsIdle();
  }

  /**
   * Clean shutdown: stops following; keeps every VIP unless release_on_shutdown (a clean stop on
   * the primary's host must not cut clients off); waits a bounded time for hooks.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#timer?.();
    this.#timer = null;
    for (const cancel of this.#retry_timers.values()) cancel();
    this.#retry_timers.clear();
    this.#topology?.stop();
    await this.#vipsIdle();
    if (this.#settings.release_on_shutdown) {
      for (const slot of this.#slots) {
        const decision = { state: "release", reason: "shutdown" } as const;
        try {
          const { removed } = await slot.port.release();
          this.#logVip(slot, decision, null, removed ? "released" : "already_released", true);
        } catch (error) {
          this.#logger.error(
            {
              event: "vip_failed",
              ...slotFields(slot),
              state: "release",
              reason: "shutdown",
              error: errorMessage(error),
            },
            "could not release the VIP at shutdown",
          );
        }
      }
    } else {
      this.#logger.info(
        { event: "vips_kept", vips: this.#slots.map((slot) => slot.port.config.vip) },
        "clean shutdown: VIPs left as they are (release_on_shutdown is false)",
      );
    }
    for (const slot of this.#slots) {
      await slot.close();
      await slot.port.close();
    }
    if (this.#hooks !== null) {
      const waited = await settlesWithin(
        this.#hooks.whenIdle(),
        this.#settings.shutdown_hooks_wait_ms,
        this.#timers,
      );
      if (!waited) {
        this.#logger.warn(
          { event: "hooks_killed", wait_ms: this.#settings.shutdown_hooks_wait_ms },
          "hooks still running at shutdown are killed",
        );
      }
      await this.#hooks.close();
    }
  }

  // -------------------------------------------------------------------------------------------
  // The loop

  #push(input: Input): void {
    if (this.#stopped && input.kind !== "vip_outcome" && input.kind !== "script_finished") return;
    if (this.#inputs.length >= INPUTS_MAX) {
      const dropped = this.#inputs.shift();
      this.#logger.error({ event: "input_dropped", kind: dropped?.kind }, "input queue full");
    }
    this.#inputs.push(input);
    if (this.#processing) return;
    this.#processing = true;
    try {
      for (let next = this.#inputs.shift(); next !== undefined; next = this.#inputs.shift()) {
        this.#handle(next);
      }
    } finally {
      this.#processing = false;
    }
  }

  #handle(input: Input): void {
    switch (input.kind) {
      case "read_done":
        this.#read_in_flight = false;
        this.#contact(input.sent_ms);
        for (const [master_name, read] of input.reads) this.#observe(master_name, read, "read");
        this.#evaluateAll();
        return;
      case "read_failed":
        this.#read_in_flight = false;
        this.#read_failures++;
        // Once per outage at warn, then at debug: a cut host fails every tick.
        if (this.#read_failures === 1) {
          this.#logger.warn(
            { event: "topology_read_failed", error: input.error },
            "cannot read the committed topology",
          );
        } else {
          this.#logger.debug({
            event: "topology_read_failed",
            error: input.error,
            failures: this.#read_failures,
          });
        }
        this.#evaluateAll();
        return;
      case "watch_entry":
        this.#observe(input.master_name, input.read, "watch");
        this.#evaluateMaster(input.master_name);
        return;
      case "watch_ended":
        this.#watch_broken = true;
        this.#logger.warn(
          { event: "topology_watch_ended", reason: input.reason },
          "topology watch ended; restarting",
        );
        return;
      case "tick":
        this.#onTick();
        return;
      case "nats_status":
        this.#onNatsStatus(input.type);
        return;
      case "vip_outcome":
        this.#onVipOutcome(input.slot, input.outcome);
        return;
      case "vip_retry": {
        const now_ms = this.#now_ms();
        this.#checkLease(now_ms);
        this.#evaluate(input.slot, now_ms);
        return;
      }
      case "script_event":
        this.#onScriptEvent(input.event);
        return;
      case "script_finished":
        this.#onScriptFinished(input.job, input.outcome);
        return;
    }
  }

  #onTick(): void {
    if (this.#stopped) return;
    this.#readNow();
    if (this.#watch_broken && this.#topology !== null) this.#startWatch();
    this.#evaluateAll();
  }

  #onNatsStatus(type: string): void {
    if (type === "reconnect") {
      // A watch may have lost its consumer while away; the KV is the truth: read and re-watch.
      this.#logger.info({ event: "nats_reconnected" }, "NATS is back: re-reading the committed topology");
      if (this.#topology !== null) this.#startWatch();
      this.#readNow();
    } else if (type === "disconnect") {
      this.#logger.warn(
        { event: "nats_disconnected", lease_ms: this.#settings.lease_ms },
        "NATS disconnected: VIPs are released if no read succeeds within the lease",
      );
    }
  }

  #readNow(): void {
    const topology = this.#topology;
    if (topology === null || this.#read_in_flight || this.#stopped) return;
    this.#read_in_flight = true;
    const sent_ms = this.#now_ms();
    this.#readAll(topology).then(
      (reads) => {
        this.#push({ kind: "read_done", sent_ms, reads });
      },
      (error: unknown) => {
        this.#push({ kind: "read_failed", error: errorMessage(error) });
      },
    );
  }

  async #readAll(topology: TopologyPort): Promise<[string, TopologyRead][]> {
    return Promise.all(
      this.#followed.map(async (name): Promise<[string, TopologyRead]> => [name, await topology.read(name)]),
    );
  }

  #startWatch(): void {
    const topology = this.#topology;
    if (topology === null || this.#stopped) return;
    this.#watch_broken = false;
    topology.watch(
      (master_name, read) => {
        this.#push({ kind: "watch_entry", master_name, read });
      },
      (reason) => {
        this.#push({ kind: "watch_ended", reason });
      },
    );
  }

  #contact(sent_ms: number): void {
    if (this.#read_failures > 0) {
      this.#logger.info(
        { event: "topology_read_ok", failures: this.#read_failures },
        "committed topology readable again",
      );
    }
    this.#read_failures = 0;
    if (this.#last_contact_ms === null || sent_ms > this.#last_contact_ms) this.#last_contact_ms = sent_ms;
  }

  // -------------------------------------------------------------------------------------------
  // Records

  #observe(master_name: string, read: TopologyRead, source: "read" | "watch"): void {
    if (read.kind === "absent") {
      this.#recordGone(master_name, source);
      return;
    }
    if (read.kind === "invalid") {
      this.#recordInvalid(master_name, read.revision, read.reason, source);
      return;
    }
    const { record, revision } = read;
    const previous = this.#views.get(master_name) ?? null;
    const result = observeRecord(previous, {
      config_epoch: record.config_epoch,
      primary: record.primary,
      revision,
    });
    const fields = {
      master_name,
      config_epoch: record.config_epoch,
      primary: `${record.primary.host}:${record.primary.port}`,
      revision,
      source,
    };
    const observation = result.observation;
    switch (observation.kind) {
      case "stale_epoch":
      case "conflicting_primary":
        if (this.#ignored_revision.get(master_name) !== revision) {
          this.#ignored_revision.set(master_name, revision);
          this.#logger.warn(
            {
              event: "record_ignored",
              ...fields,
              reason: observation.kind,
              seen_epoch: previous?.config_epoch ?? null,
            },
            "topology record older than the one already seen: ignored",
          );
        }
        return;
      case "baseline":
      case "epoch_advanced":
        this.#logger.info(
          { event: "record_observed", ...fields, kind: observation.kind },
          "committed topology",
        );
        break;
      case "primary_changed":
        this.#logger.info(
          {
            event: "primary_changed",
            ...fields,
            from: endpointText(observation.from),
            to: endpointText(observation.to),
          },
          "committed primary changed",
        );
        this.#runClientReconfig(master_name, record.config_epoch, observation.from, observation.to);
        break;
      case "unchanged":
        break;
    }
    this.#views.set(master_name, result.view);
    this.#absent.delete(master_name);
  }

  /** Logged once per disappearance; the view is kept (a VIP is not moved on a missing record). */
  #recordGone(master_name: string, source: "read" | "watch"): void {
    if (!this.#views.has(master_name) || this.#absent.has(master_name)) return;
    this.#absent.add(master_name);
    this.#logger.warn({ event: "record_removed", master_name, source }, "the master's record is gone");
  }

  /** Logged once per revision; nothing else changes. */
  #recordInvalid(master_name: string, revision: number, reason: string, source: "read" | "watch"): void {
    if (this.#ignored_revision.get(master_name) === revision) return;
    this.#ignored_revision.set(master_name, revision);
    this.#logger.error(
      { event: "record_invalid", master_name, revision, reason, source },
      "invalid topology record ignored",
    );
  }

  // -------------------------------------------------------------------------------------------
  // VIPs

  #evaluateAll(): void {
    const now_ms = this.#now_ms();
    this.#checkLease(now_ms);
    for (const slot of this.#slots) this.#evaluate(slot, now_ms);
  }

  #evaluateMaster(master_name: string): void {
    const now_ms = this.#now_ms();
    for (const slot of this.#slots)
      if (slot.port.config.master_name === master_name) this.#evaluate(slot, now_ms);
  }

  #evaluate(slot: VipSlot, now_ms: number): void {
    if (this.#stopped) return;
    // Before the first contact, the lease runs from start: no action until it expires, so a
    // restart on the primary's host does not drop the VIP while NATS connects.
    if (this.#last_contact_ms === null && now_ms - this.#started_ms <= this.#settings.lease_ms) return;
    const master_name = slot.port.config.master_name;
    const view = this.#views.get(master_name) ?? null;
    const committed_primary = view === null || this.#absent.has(master_name) ? null : view.primary;
    const decision = this.#decide({
      committed_primary,
      this_host_addresses: this.#host_addresses,
      control_plane_last_contact_ms: this.#last_contact_ms,
      now_ms,
      lease_ms: this.#settings.lease_ms,
    });
    slot.want({ decision, config_epoch: view?.config_epoch ?? null });
  }

  #checkLease(now_ms: number): void {
    const since_ms = this.#last_contact_ms ?? this.#started_ms;
    const silent_ms = Math.round(now_ms - since_ms);
    const expired = silent_ms > this.#settings.lease_ms;
    if (expired && !this.#lease_lost) {
      this.#lease_lost = true;
      this.#logger.warn(
        {
          event: "control_plane_lost",
          silent_ms,
          lease_ms: this.#settings.lease_ms,
          vips: this.#slots.length,
        },
        "no read of the committed topology within the lease: releasing every VIP",
      );
      if (this.#slots.length > 0) {
        this.#notify("-vip-lease-expired", `${this.#settings.host_name} silent ${silent_ms} ms`);
      }
    } else if (!expired && this.#lease_lost) {
      this.#lease_lost = false;
      this.#logger.info(
        { event: "control_plane_restored", lease_ms: this.#settings.lease_ms },
        "control plane reachable again",
      );
    }
  }

  #onVipOutcome(slot: VipSlot, outcome: VipOutcome): void {
    const { decision, config_epoch } = outcome.target;
    if (!outcome.ok) {
      const message = errorMessage(outcome.error);
      const code = outcome.error instanceof VipError ? outcome.error.code : "SP_ERR_VIP_UNEXPECTED";
      this.#command_failures.set(slot, (this.#command_failures.get(slot) ?? 0) + 1);
      this.#last_logged.delete(slot);
      if (this.#last_error.get(slot) !== message) {
        this.#last_error.set(slot, message);
        this.#logger.error(
          {
            event: "vip_failed",
            ...slotFields(slot),
            state: decision.state,
            reason: decision.reason,
            config_epoch,
            code,
            error: message,
          },
          `could not ${decision.state} the VIP`,
        );
        this.#notify(
          "-vip-command-failed",
          `${slot.port.config.master_name} ${slot.port.config.vip} ${decision.state} ${code}`,
        );
      }
      return;
    }
    this.#last_error.delete(slot);
    if (outcome.wait !== null) {
      this.#onVipWait(slot, outcome.target, outcome.wait, outcome.probe_ms);
      return;
    }
    this.#held.set(slot, decision.state === "hold");
    const changed = outcome.action === "bound" || outcome.action === "released";
    this.#logVip(slot, decision, config_epoch, outcome.action, changed, outcome.probe_ms);
  }

  /** Not bound: another host answers for the VIP (or no probe went out); probed again next tick. */
  #onVipWait(slot: VipSlot, target: VipTarget, wait: VipWait, probe_ms: number | null): void {
    this.#held.set(slot, false);
    if (this.#auto_tick && !this.#stopped && !this.#retry_timers.has(slot)) {
      this.#retry_timers.set(
        slot,
        this.#timers.after(wait.retry_after_ms, () => {
          this.#retry_timers.delete(slot);
          this.#push({ kind: "vip_retry", slot });
        }),
      );
    }
    const fields = {
      ...slotFields(slot),
      reason: target.decision.reason,
      config_epoch: target.config_epoch,
      probe: wait.result,
      waited_ms: Math.round(wait.waited_ms),
      probe_ms: probe_ms === null ? null : Math.round(probe_ms),
      wait_max_ms: this.#settings.bind_wait_max_ms,
    };
    if (wait.conflict) {
      this.#address_conflicts.set(slot, (this.#address_conflicts.get(slot) ?? 0) + 1);
      this.#last_logged.delete(slot);
      this.#logger.error(
        { event: "vip_address_in_use", code: ADDRESS_IN_USE, ...fields },
        wait.result === "answered"
          ? "another host still answers for the VIP after the old holder's address must have expired: not bound (never two holders); probing every reconcile"
          : "no duplicate address probe went out for longer than the old holder's address can live: not bound; probing every reconcile",
      );
      this.#notify(
        "-vip-address-in-use",
        `${slot.port.config.master_name} ${slot.port.config.vip} ${wait.result} ${Math.round(wait.waited_ms)} ms`,
      );
      return;
    }
    const key = `wait|${wait.result}|${String(target.config_epoch)}`;
    if (this.#last_logged.get(slot) !== key) {
      this.#last_logged.set(slot, key);
      this.#logger.info(
        { event: "vip_wait", ...fields },
        "another host still answers for the VIP: not bound yet",
      );
    } else {
      this.#logger.debug({ event: "vip_wait", ...fields });
    }
  }

  #logVip(
    slot: VipSlot,
    decision: { readonly state: "hold" | "release"; readonly reason: string },
    config_epoch: number | null,
    action: string,
    changed: boolean,
    probe_ms: number | null = null,
  ): void {
    const key = `${decision.state}|${decision.reason}|${String(config_epoch)}`;
    const fields = {
      event: decision.state === "hold" ? "vip_hold" : "vip_release",
      ...slotFields(slot),
      reason: decision.reason,
      config_epoch,
      action,
      ...(probe_ms === null ? {} : { probe_ms: Math.round(probe_ms) }),
    };
    // Every change and every new decision at info; the periodic re-assertions at debug.
    if (changed || this.#last_logged.get(slot) !== key) {
      this.#last_logged.set(slot, key);
      this.#logger.info(fields, decision.state === "hold" ? "VIP held" : "VIP released");
    } else {
      this.#logger.debug(fields);
    }
  }

  async #vipsIdle(): Promise<void> {
    await Promise.all(this.#slots.map((slot) => slot.idle()));
  }

  // -------------------------------------------------------------------------------------------
  // Hooks

  #runClientReconfig(master_name: string, config_epoch: number, from: Endpoint, to: Endpoint): void {
    const script = this.#settings.client_reconfig_script;
    if (this.#hooks === null || script === null) return;
    const masters = this.#settings.hook_masters;
    if (masters !== null && !masters.includes(master_name)) return;
    // Every vip-manager is an observer: the leader role belongs to the agent that led the failover.
    const argv = clientReconfigArgv(script, { master_name, role: "observer", state: "start", from, to });
    this.#schedule(argv, { hook: "client_reconfig", master_name, config_epoch });
  }

  #notify(event_type: string, description: string): void {
    const script = this.#settings.notification_script;
    if (this.#hooks === null || script === null || this.#stopped) return;
    this.#schedule(notificationArgv(script, event_type, description), {
      hook: "notification",
      master_name: null,
      config_epoch: null,
    });
  }

  #schedule(argv: readonly string[], info: HookJobInfo): void {
    assert.ok(this.#hooks !== null);
    const job_id = this.#hooks.schedule(argv);
    if (this.#hook_jobs.size >= HOOK_JOBS_TRACKED_MAX) {
      const oldest = this.#hook_jobs.keys().next();
      if (oldest.done !== true) this.#hook_jobs.delete(oldest.value);
    }
    this.#hook_jobs.set(job_id, info);
    this.#logger.info({ event: "hook_scheduled", job_id, ...info, argv }, "hook scheduled");
  }

  #onScriptEvent(event: ScriptEvent): void {
    const fields = { event: "hook_event", type: event.type, message: event.message };
    if (event.level !== "warning") {
      this.#logger.debug(fields);
      return;
    }
    this.#logger.warn(fields, `${event.type} ${event.message}`);
    // A failing notification script is not reported through itself (no loop).
    const notification_script = this.#settings.notification_script;
    if (notification_script !== null && !event.message.startsWith(`${notification_script} `)) {
      this.#notify(event.type, event.message);
    }
  }

  #onScriptFinished(job: ScriptJob, outcome: ScriptOutcome): void {
    const info = this.#hook_jobs.get(job.job_id);
    this.#hook_jobs.delete(job.job_id);
    if (outcome !== "ok" && info !== undefined) this.#hook_failures[info.hook]++;
    const fields = { event: "hook_finished", job_id: job.job_id, ...info, outcome, runs: job.retry_num };
    if (outcome === "ok") this.#logger.info(fields, "hook finished");
    else this.#logger.warn(fields, `hook ${outcome}`);
  }
}

function slotFields(slot: VipSlot): Record<string, string | number> {
  const config = slot.port.config;
  return { master_name: config.master_name, vip: config.vip, interface: config.interface };
}

function endpointText(endpoint: Endpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

async function settlesWithin(
  promise: Promise<unknown>,
  timeout_ms: number,
  timers: Timers,
): Promise<boolean> {
  let cancel: (() => void) | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    cancel = timers.after(timeout_ms, () => {
      resolve(false);
    });
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    cancel?.();
  }
}
