// Converges one VIP to the latest decision without ever blocking the loop: at most one command
// sequence runs per VIP, and while it runs only the newest decision waits (older ones are moot).
import type { ReconcileAction } from "./vip-controller.js";
import type { VipPort } from "./ports.js";
import type { VipDecision } from "@sentinel-plane/core/vip";

/** A decision with what it was based on, carried into the result for the log. */
export interface VipTarget {
  readonly decision: VipDecision;
  /** Epoch of the record the decision used; null when none was known. */
  readonly config_epoch: number | null;
}

export type VipOutcome =
  | {
      readonly ok: true;
      readonly target: VipTarget;
      /** hold: bound / already_bound; release: released (removed) / already_released. */
      readonly action: ReconcileAction | "already_released";
    }
  | { readonly ok: false; readonly target: VipTarget; readonly error: unknown };

export class VipSlot {
  readonly port: VipPort;
  readonly #on_outcome: (slot: VipSlot, outcome: VipOutcome) => void;
  #pending: VipTarget | null = null;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(port: VipPort, on_outcome: (slot: VipSlot, outcome: VipOutcome) => void) {
    this.port = port;
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
      if (target.decision.state === "hold") {
        return { ok: true, target, action: await this.port.reconcile("hold") };
      }
      const { removed } = await this.port.release();
      return { ok: true, target, action: removed ? "released" : "already_released" };
    } catch (error) {
      return { ok: false, target, error };
    }
  }
}
