// The vip-manager in the simulator: one per data host, running the vip-manager's pure rules
// (`libs/core/src/vip/`: desiredVipState, the bind guard's step) on a model of the host's address
// table. What is modelled, as services/vip-manager does it:
//   - every reconcile it reads the committed record from the KV (over the host's bus edge; a cut
//     edge loses the read); contact with the control plane is dated when the read was sent, a
//     reply older than the record held is ignored;
//   - hold: a bound address is renewed (its kernel lifetime, ceil(lease) s, starts again); an
//     unbound one is probed first (duplicate address detection, arping -D: `answered` while
//     another host has the address) and bound only when the bind guard says so;
//   - release: the address is removed;
//   - a SIGKILLed manager removes nothing: its address lives out its lifetime; a restarted one
//     finds the address on the host (if still there) and takes it as bound.
// The checker: at no simulated instant do two hosts have the address (checked at every bind: the
// only way a host gains it); after the heal, the committed primary's host alone has it.
// All draws come from the VIP's own stream, and its events touch nothing else, so a seed's other
// events run exactly as without it.
import type { Address, TopologyRecord } from "@sentinel-plane/core";
import {
  BIND_GUARD_INITIAL,
  bindGuardStep,
  desiredVipState,
  KERNEL_LIFETIME_CHECK_MS,
  oldHolderGoneWithin_ms,
} from "@sentinel-plane/core/vip";
import type { BindGuardSettings, BindGuardState, VipDecision, VipStateInput } from "@sentinel-plane/core/vip";
import { Prng } from "./prng.js";
import { addrText, sameAddr } from "./redis-model.js";

/** The fault suite's vip-manager settings (test/faults harness.ts). */
export const VIP_LEASE_MS = 2000;
export const VIP_RECONCILE_MS = 250;
/** The address's kernel lifetime: whole seconds, at least the lease (vip-manager main.ts). */
const VIP_LIFETIME_S = Math.ceil(VIP_LEASE_MS / 1000);
/** arping -D: 3 probes 10 ms apart, listening 25 ms after the last. */
export const VIP_PROBE_MS = 45;
/** As vip-manager main.ts and manager.ts set the guard (BIND_RETRY_MIN_MS). */
const GUARD: BindGuardSettings = {
  wait_max_ms: oldHolderGoneWithin_ms({
    lease_ms: VIP_LEASE_MS,
    reconcile_interval_ms: VIP_RECONCILE_MS,
    lifetime_s: VIP_LIFETIME_S,
  }),
  retry_min_ms: 20,
  retry_max_ms: VIP_RECONCILE_MS,
};

/** The desired-state rule the managers run (a test may hand in a broken one). */
export type VipStateRule = (input: VipStateInput) => VipDecision;

/** What the VIP model needs of the world. */
export interface VipWorld {
  now(): number;
  kv(): { readonly record: TopologyRecord | null; readonly revision: number };
  at(delay_ms: number, run: () => void): void;
  /** The host's bus edge to the KV is cut in this direction. */
  blocked(from: string, to: string): boolean;
  fail(detail: string): never;
  trace(who: string, text: string): void;
  readonly keep_log: boolean;
}

export interface VipHost {
  /** The data-node's name: the host's bus edges are its edges. */
  readonly bus_name: string;
  readonly address: Address;
}

class SimVipManager {
  alive = true;
  incarnation = 0;
  started_ms = 0;
  last_contact_ms: number | null = null;
  record: { readonly primary: Address; readonly revision: number } | null = null;
  guard: BindGuardState = BIND_GUARD_INITIAL;
  probing = false;
  /** When the host's address expires (kernel lifetime); null: not on this host. */
  expires_ms: number | null = null;

  constructor(
    readonly name: string,
    readonly host: VipHost,
  ) {}
}

export class SimVip {
  readonly managers: SimVipManager[];
  readonly #rng: Prng;
  readonly #rule: VipStateRule;
  readonly #guard_on: boolean;

  constructor(
    readonly world: VipWorld,
    hosts: readonly VipHost[],
    seed: number,
    options: { readonly rule?: VipStateRule; readonly bind_guard?: boolean } = {},
  ) {
    this.#rng = new Prng((seed ^ 0x1b873593) >>> 0);
    this.#rule = options.rule ?? desiredVipState;
    this.#guard_on = options.bind_guard ?? true;
    this.managers = hosts.map((host, index) => new SimVipManager(`v${index + 1}`, host));
  }

  start(): void {
    for (const manager of this.managers) this.#startManager(manager);
  }

  /** The hosts that have the address now. */
  holders(): SimVipManager[] {
    const now_ms = this.world.now();
    return this.managers.filter((m) => m.expires_ms !== null && m.expires_ms > now_ms);
  }

  /** SIGKILL of a host's vip-manager: the address stays until its lifetime ends. */
  crash(index: number): void {
    const manager = this.managers[index];
    if (manager === undefined || !manager.alive) return;
    manager.alive = false;
    manager.incarnation += 1;
    manager.probing = false;
    if (this.world.keep_log) this.world.trace(manager.name, "! vip-manager killed (its address stays)");
  }

  restart(index: number): void {
    const manager = this.managers[index];
    if (manager === undefined || manager.alive) return;
    manager.alive = true;
    manager.last_contact_ms = null;
    manager.record = null;
    manager.guard = BIND_GUARD_INITIAL;
    this.#startManager(manager);
  }

  /** The heal: every killed manager starts again. */
  restartAll(): void {
    this.managers.forEach((_, index) => {
      this.restart(index);
    });
  }

  /** Liveness after the heal: null when the committed primary's host alone has the address. */
  unsettled(primary: Address): string | null {
    const holders = this.holders();
    const names = holders.map((m) => m.name).join(" ") || "none";
    if (holders.length !== 1) return `VIP held by ${names}`;
    const only = holders[0];
    if (only === undefined || !sameAddr(only.host.address, primary)) {
      return `VIP on ${names}, not on the primary ${addrText(primary)}'s host`;
    }
    return null;
  }

  #startManager(manager: SimVipManager): void {
    manager.started_ms = this.world.now();
    const incarnation = manager.incarnation;
    const tick = (): void => {
      if (!manager.alive || manager.incarnation !== incarnation) return;
      this.#read(manager);
      this.#reconcile(manager);
      this.world.at(VIP_RECONCILE_MS, tick);
    };
    this.world.at(1 + this.#rng.int(VIP_RECONCILE_MS), tick);
  }

  /** One KV read: contact dated when it was sent; a cut edge either way loses it. */
  #read(manager: SimVipManager): void {
    const bus = manager.host.bus_name;
    if (this.world.blocked(bus, "kv")) return;
    const sent_ms = this.world.now();
    const incarnation = manager.incarnation;
    this.world.at(this.#rng.range(1, 10), () => {
      if (!manager.alive || manager.incarnation !== incarnation || this.world.blocked("kv", bus)) return;
      const kv = this.world.kv();
      if (kv.record !== null && (manager.record === null || kv.revision >= manager.record.revision)) {
        manager.record = { primary: kv.record.primary, revision: kv.revision };
      }
      if (manager.last_contact_ms === null || sent_ms > manager.last_contact_ms)
        manager.last_contact_ms = sent_ms;
      this.#reconcile(manager);
    });
  }

  #decide(manager: SimVipManager): VipDecision | null {
    const now_ms = this.world.now();
    // vip-manager manager.ts: no decision before a first contact while the lease since start runs.
    if (manager.last_contact_ms === null && now_ms - manager.started_ms <= VIP_LEASE_MS) return null;
    return this.#rule({
      committed_primary: manager.record?.primary ?? null,
      this_host_addresses: [{ host: manager.host.address.host, port: manager.host.address.port }],
      control_plane_last_contact_ms: manager.last_contact_ms,
      now_ms,
      lease_ms: VIP_LEASE_MS,
    });
  }

  #reconcile(manager: SimVipManager): void {
    const decision = this.#decide(manager);
    if (decision === null) return;
    const now_ms = this.world.now();
    const bound = manager.expires_ms !== null && manager.expires_ms > now_ms;
    if (decision.state === "release") {
      manager.guard = BIND_GUARD_INITIAL;
      if (!bound) return;
      manager.expires_ms = null;
      if (this.world.keep_log) this.world.trace(manager.name, `< VIP released (${decision.reason})`);
      return;
    }
    if (bound) {
      manager.expires_ms = this.#expiry();
      manager.guard = BIND_GUARD_INITIAL;
      return;
    }
    if (!this.#guard_on) {
      this.#bind(manager);
      return;
    }
    if (!manager.probing) this.#probe(manager);
  }

  /** arping -D: answered when another host has the address at the probe's start or end. */
  #probe(manager: SimVipManager): void {
    manager.probing = true;
    const started_ms = this.world.now();
    const others_at_start = this.#others(manager);
    const incarnation = manager.incarnation;
    this.world.at(VIP_PROBE_MS, () => {
      if (!manager.alive || manager.incarnation !== incarnation) return;
      manager.probing = false;
      const answered = others_at_start || this.#others(manager);
      const step = bindGuardStep(
        manager.guard,
        { kind: "probed", result: answered ? "answered" : "silent", started_ms, now_ms: this.world.now() },
        GUARD,
      );
      manager.guard = step.state;
      for (const effect of step.effects) {
        if (effect.kind === "bind") {
          // vip-slot.ts binds the target it probed for: still wanted now?
          if (this.#decide(manager)?.state === "hold") this.#bind(manager);
        } else if (effect.kind === "wait") {
          this.world.at(effect.retry_after_ms, () => {
            if (manager.alive && manager.incarnation === incarnation && !manager.probing)
              this.#reconcile(manager);
          });
        }
      }
    });
  }

  #others(manager: SimVipManager): boolean {
    return this.holders().some((m) => m !== manager);
  }

  #bind(manager: SimVipManager): void {
    const others = this.holders().filter((m) => m !== manager);
    if (others.length > 0) {
      this.world.fail(
        `two hosts hold the VIP: ${manager.name} bound it while ${others.map((m) => m.name).join(" ")} had it`,
      );
    }
    manager.expires_ms = this.#expiry();
    if (this.world.keep_log) this.world.trace(manager.name, "< VIP bound");
  }

  /** The lifetime set now ends when the kernel's periodic check next runs after it. */
  #expiry(): number {
    return this.world.now() + VIP_LIFETIME_S * 1000 + this.#rng.int(KERNEL_LIFETIME_CHECK_MS);
  }
}
