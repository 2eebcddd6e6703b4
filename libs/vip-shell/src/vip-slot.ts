// Converges one VIP to the latest decision without ever blocking the loop: at most one command
// sequence runs per VIP, and while it runs only the newest decision waits (older ones are moot).
// A hold on a host that does not have the VIP yet probes first (duplicate address detection) and
// binds only when the bind guard (libs/core vip/bind-guard.ts) says so.
import type {
  BindGuardEffect,
  BindGuardInput,
  BindGuardSettings,
  BindGuardState,
  VipDecision,
  VipProbeResult,
} from "@sentinel-plane/core/vip";
import { BIND_GUARD_INITIAL, bindGuardStep } from "@sentinel-plane/core/vip";
import type { VipPort } from "./ports.js";

/** A decision with what it was based on, carried into the result for the log. */
export interface VipTarget {
  readonly decision: VipDecision;
  /** Epoch of the record the decision used; null when none was known. */
  readonly config_epoch: number | null;
}

/** A hold that did not bind: another host may still have the VIP (or nothing could be probed). */
export interface VipWait {
  readonly result: Exclude<VipProbeResult, "silent">;
  /** Since the first probe of this wait. */
  readonly waited_ms: number;
  /** The wait passed its bound with this probe: report the conflict (once per wait). */
  readonly conflict: boolean;
  /** Probe again this soon (the guard's back-off), unless a reconcile comes first. */
  readonly retry_after_ms: number;
}

export type VipOutcome =
  | {
      readonly ok: true;
      readonly target: VipTarget;
      /**
       * hold: bound / already_bound / waiting (not bound: `wait` says why); release: released
       * (removed) / already_released.
       */
      readonly action: "bound" | "already_bound" | "waiting" | "released" | "already_released";
      /** Time spent on duplicate address detection before this bind or wait; null: no probe. */
      readonly probe_ms: number | null;
      readonly wait: VipWait | null;
    }
  | { readonly ok: false; readonly target: VipTarget; readonly error: unknown };

export interface VipSlotOptions {
  readonly guard: BindGuardSettings;
  /** Monotonic milliseconds, the manager's clock. */
  readonly now_ms: () => number;
}

export class VipSlot {
  readonly port: VipPort;
  readonly #on_outcome: (slot: VipSlot, outcome: VipOutcome) => void;
  readonly #options: VipSlotOptions;
  #guard: BindGuardState = BIND_GUARD_INITIAL;
  #pending: VipTarget | null = null;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(
    port: VipPort,
    options: VipSlotOptions,
    on_outcome: (slot: VipSlot, outcome: VipOutcome) => void,
  ) {
    this.port = port;
    this.#options = options;
    this.#on_outcome = on_outcome;
  }

  /** Asks for the target; runs now, or after the running sequence (replacing any waiting one). */
  want(target: VipTarget): void {
    if (this.#closed) return;
    this.#pending = target;
    this.#running ??= this.#drain();
  }

  /** Resolves when nothing runs or waits. */
  async idle(): Promise<void> {
    while (this.#running !== null) await this.#running;
  }

  /** No new targets; waits for the running one. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#pending = null;
    await this.idle();
  }

  async #drain(): Promise<void> {
    // Bounded: each pass consumes the waiting target; a new one arrives only through want().
    for (let target = this.#pending; target !== null; target = this.#pending) {
      this.#pending = null;
      this.#on_outcome(this, await this.#apply(target));
    }
    this.#running = null;
  }

  async #apply(target: VipTarget): Promise<VipOutcome> {
    try {
      if (target.decision.state === "hold") return await this.#hold(target);
      this.#step({ kind: "released" });
      const { removed } = await this.port.release();
      return {
        ok: true,
        target,
        action: removed ? "released" : "already_released",
        probe_ms: null,
        wait: null,
      };
    } catch (error) {
      return { ok: false, target, error };
    }
  }

  /** Renew where bound; elsewhere probe, and bind only on the guard's word. */
  async #hold(target: VipTarget): Promise<VipOutcome> {
    if (await this.port.renew()) {
      this.#step({ kind: "bound_here" });
      return { ok: true, target, action: "already_bound", probe_ms: null, wait: null };
    }
    const started_ms = this.#options.now_ms();
    const probe = await this.port.probe();
    const now_ms = this.#options.now_ms();
    const effects = this.#step({ kind: "probed", result: probe.result, started_ms, now_ms });
    const probe_ms = now_ms - started_ms;
    if (effects.some((effect) => effect.kind === "bind")) {
      await this.port.hold();
      return { ok: true, target, action: "bound", probe_ms, wait: null };
    }
    const conflict = effects.some((effect) => effect.kind === "report_conflict");
    const wait = effects.find((effect) => effect.kind === "wait");
    // The guard answers a probe with bind or wait, never nothing.
    if (wait?.kind !== "wait") throw new Error("bind guard returned neither bind nor wait for a probe");
    return {
      ok: true,
      target,
      action: "waiting",
      probe_ms,
      wait: { result: wait.result, waited_ms: wait.waited_ms, conflict, retry_after_ms: wait.retry_after_ms },
    };
  }

  #step(input: BindGuardInput): readonly BindGuardEffect[] {
    const out = bindGuardStep(this.#guard, input, this.#options.guard);
    this.#guard = out.state;
    return out.effects;
  }
}
