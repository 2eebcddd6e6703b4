// The vip-managers in the simulator: one per data host, each running the vip-manager's own loop
// (libs/vip-shell VipManager: lease, reads and watch of the committed topology, probe before bind,
// release) over in-memory ports answered by this world's events:
//   - the VIP (VipPort) is the host's address table: renew (the kernel lifetime, ceil(lease) s,
//     starts again while the address is here), bind, remove; the duplicate address probe (arping
//     -D, 45 ms) answers `answered` while another host has the address at its start or its end;
//   - the committed topology (TopologyPort) is the KV over the host's bus edge: a read answers in
//     1-10 ms, a cut edge either way loses it (the read fails at the KV timeout); the watch sends
//     the current record, then every commit, over the same edge;
//   - the timers are the event queue, the clock is simulated time.
// A SIGKILLed manager is its loop dropped: nothing is removed, no answer or timer reaches it
// again, its address lives out its lifetime; a restart is a new loop that finds the address on
// the host (if still there: renew answers true) and keeps it.
// The checker: at no simulated instant do two hosts have the address (checked at every bind: the
// only way a host gains it); after the heal, the committed primary's host alone has it.
// All draws come from the VIP's own stream, and its events touch nothing else, so a seed's other
// events run exactly as without it.
import { Writable } from "node:stream";
import type { Address, TopologyRecord } from "@sentinel-plane/core";
import { KERNEL_LIFETIME_CHECK_MS, oldHolderGoneWithin_ms } from "@sentinel-plane/core/vip";
import type { VipDecision, VipStateInput } from "@sentinel-plane/core/vip";
import { PROTOCOL_VERSION } from "@sentinel-plane/protocol";
import { createLogger } from "@sentinel-plane/runtime";
import type { Logger } from "@sentinel-plane/runtime";
import { VipManager } from "@sentinel-plane/vip-shell";
import type {
  Timers,
  TopologyPort,
  TopologyRead,
  VipConfig,
  VipPort,
  VipProbe,
} from "@sentinel-plane/vip-shell";
import { Prng } from "./prng.js";
import { addrText, sameAddr } from "./redis-model.js";
import { cancellableAfter } from "./sim-timers.js";

/** The fault suite's vip-manager settings (test/faults harness.ts). */
export const VIP_LEASE_MS = 2000;
export const VIP_RECONCILE_MS = 250;
const VIP_KV_TIMEOUT_MS = 500;
/** The address's kernel lifetime: whole seconds, at least the lease (vip-manager main.ts). */
const VIP_LIFETIME_S = Math.ceil(VIP_LEASE_MS / 1000);
/** arping -D: 3 probes 10 ms apart, listening 25 ms after the last. */
export const VIP_PROBE_MS = 45;
const VIP_PROBES = 3;

/** The desired-state rule the managers run (a test may hand in a broken one). */
export type VipStateRule = (input: VipStateInput) => VipDecision;

export interface VipOptions {
  /** The loops' desired-state rule (default: the production one). */
  readonly rule?: VipStateRule;
  /** The duplicate address probe hears nothing (a broken arping): the bind guard cannot work. */
  readonly deaf_probe?: boolean;
}

/** What the VIP model needs of the world. */
export interface VipWorld {
  readonly master_name: string;
  now(): number;
  kv(): { readonly record: TopologyRecord | null; readonly revision: number };
  /** Runs `run` after `delay_ms` as a loop's work: its microtasks finish before the next event. */
  at(delay_ms: number, run: () => void): void;
  /** A port's answer; what `start` throws (a checker's violation) ends the run. */
  answered<T>(start: (resolve: (value: T) => void) => void): Promise<T>;
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

/** One host's vip-manager process and the host's address. */
export class SimVipManager {
  /** The process runs (its loop may still be connecting). */
  alive = false;
  /** Bumped by every start and kill: answers and timers of an older process are dropped. */
  incarnation = 0;
  loop: VipManager | null = null;
  /** The running loop's KV watch. */
  on_entry: ((master_name: string, read: TopologyRead) => void) | null = null;
  /** When the host's address expires (kernel lifetime); null: not on this host. */
  expires_ms: number | null = null;

  constructor(
    readonly name: string,
    readonly host: VipHost,
  ) {}
}

const VIP_CONFIG: Omit<VipConfig, "master_name"> = {
  vip: "10.0.8.100",
  prefix_length: 24,
  interface: "eth0",
};

export class SimVip {
  readonly managers: SimVipManager[];
  readonly #rng: Prng;
  readonly #options: VipOptions;

  constructor(
    readonly world: VipWorld,
    hosts: readonly VipHost[],
    seed: number,
    options: VipOptions = {},
  ) {
    this.#rng = new Prng((seed ^ 0x1b873593) >>> 0);
    this.#options = options;
    this.managers = hosts.map((host, index) => new SimVipManager(`v${index + 1}`, host));
  }

  start(): void {
    for (const manager of this.managers) this.#launch(manager);
  }

  /** The hosts that have the address now. */
  holders(): SimVipManager[] {
    const now_ms = this.world.now();
    return this.managers.filter((m) => m.expires_ms !== null && m.expires_ms > now_ms);
  }

  /** SIGKILL of a host's vip-manager: its loop is dropped; the address stays until its lifetime ends. */
  crash(index: number): void {
    const manager = this.managers[index];
    if (manager === undefined || !manager.alive) return;
    manager.alive = false;
    manager.incarnation += 1;
    manager.loop = null;
    manager.on_entry = null;
    if (this.world.keep_log) this.world.trace(manager.name, "! vip-manager killed (its address stays)");
  }

  restart(index: number): void {
    const manager = this.managers[index];
    if (manager === undefined || manager.alive) return;
    this.#launch(manager);
  }

  /** The heal: every killed manager starts again. */
  restartAll(): void {
    this.managers.forEach((_, index) => {
      this.restart(index);
    });
  }

  /** A commit to the KV: every running watch gets the new record. */
  kvWritten(): void {
    for (const manager of this.managers) this.#sendWatch(manager);
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

  /**
   * Starts the host's vip-manager: it comes up after 1-250 ms (the processes are not in step),
   * starts its lease clock and its tick, and attaches to the KV (an initial read, then the watch).
   */
  #launch(manager: SimVipManager): void {
    manager.alive = true;
    manager.incarnation += 1;
    const incarnation = manager.incarnation;
    this.world.at(1 + this.#rng.int(VIP_RECONCILE_MS), () => {
      if (manager.incarnation !== incarnation) return;
      const loop = this.#loop(manager, incarnation);
      manager.loop = loop;
      loop.start();
      void loop.attach(this.#topology(manager, incarnation));
    });
  }

  /** The vip-manager's loop as its main.ts builds it, over this host's in-memory ports. */
  #loop(manager: SimVipManager, incarnation: number): VipManager {
    const address = manager.host.address;
    return new VipManager({
      settings: {
        host_name: manager.name,
        host_addresses: [`${address.host}:${address.port}`],
        lease_ms: VIP_LEASE_MS,
        reconcile_interval_ms: VIP_RECONCILE_MS,
        bind_wait_max_ms: oldHolderGoneWithin_ms({
          lease_ms: VIP_LEASE_MS,
          reconcile_interval_ms: VIP_RECONCILE_MS,
          lifetime_s: VIP_LIFETIME_S,
        }),
        release_on_shutdown: false,
        shutdown_hooks_wait_ms: 1000,
        client_reconfig_script: null,
        notification_script: null,
        hook_masters: null,
      },
      logger: this.#logger(manager),
      vips: [this.#vipPort(manager)],
      hooks: null,
      now_ms: () => this.world.now(),
      timers: this.#timers(manager, incarnation),
      ...(this.#options.rule === undefined ? {} : { decide: this.#options.rule }),
    });
  }

  /** The event queue, for this process only. */
  #timers(manager: SimVipManager, incarnation: number): Timers {
    return {
      after: cancellableAfter((delay_ms, run) => {
        this.#after(manager, incarnation, delay_ms, run);
      }),
    };
  }

  /** Runs `run` after `delay_ms` if the same process still runs. */
  #after(manager: SimVipManager, incarnation: number, delay_ms: number, run: () => void): void {
    this.world.at(delay_ms, () => {
      if (manager.incarnation === incarnation) run();
    });
  }

  // -------------------------------------------------------------------------------------------
  // The VIP: the host's address table

  #vipPort(manager: SimVipManager): VipPort {
    const incarnation = manager.incarnation;
    return {
      config: { master_name: this.world.master_name, ...VIP_CONFIG },
      renew: () => Promise.resolve(this.#renew(manager)),
      probe: () =>
        new Promise<VipProbe>((resolve) => {
          this.#probe(manager, incarnation, resolve);
        }),
      hold: () =>
        this.world.answered((resolve: (value: undefined) => void) => {
          this.#bind(manager);
          resolve(undefined);
        }),
      release: () => Promise.resolve({ removed: this.#remove(manager) }),
      close: () => Promise.resolve(),
    };
  }

  #bound(manager: SimVipManager): boolean {
    return manager.expires_ms !== null && manager.expires_ms > this.world.now();
  }

  /** `ip addr change ... valid_lft`: only where the address is. */
  #renew(manager: SimVipManager): boolean {
    if (!this.#bound(manager)) return false;
    manager.expires_ms = this.#expiry();
    return true;
  }

  /** arping -D: answered when another host has the address at the probe's start or end. */
  #probe(manager: SimVipManager, incarnation: number, resolve: (probe: VipProbe) => void): void {
    const others_at_start = this.#others(manager);
    this.#after(manager, incarnation, VIP_PROBE_MS, () => {
      const answered = !this.#options.deaf_probe && (others_at_start || this.#others(manager));
      resolve({
        result: answered ? "answered" : "silent",
        probes_sent: VIP_PROBES,
        duration_ms: VIP_PROBE_MS,
      });
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
  }

  #remove(manager: SimVipManager): boolean {
    const removed = this.#bound(manager);
    manager.expires_ms = null;
    return removed;
  }

  /** The lifetime set now ends when the kernel's periodic check next runs after it. */
  #expiry(): number {
    return this.world.now() + VIP_LIFETIME_S * 1000 + this.#rng.int(KERNEL_LIFETIME_CHECK_MS);
  }

  // -------------------------------------------------------------------------------------------
  // The committed topology: the KV over the host's bus edge

  #topology(manager: SimVipManager, incarnation: number): TopologyPort {
    return {
      read: (master_name) => this.#read(manager, incarnation, master_name),
      watch: (on_entry) => {
        manager.on_entry = on_entry;
        this.#sendWatch(manager);
      },
      stop: () => {
        manager.on_entry = null;
      },
    };
  }

  /** One KV read: a cut edge either way loses it, and the client gives up at its timeout. */
  #read(manager: SimVipManager, incarnation: number, master_name: string): Promise<TopologyRead> {
    const bus = manager.host.bus_name;
    return new Promise((resolve, reject) => {
      const lost = (waited_ms: number): void => {
        this.#after(manager, incarnation, VIP_KV_TIMEOUT_MS - waited_ms, () => {
          reject(new Error(`no answer within ${VIP_KV_TIMEOUT_MS} ms`));
        });
      };
      if (this.world.blocked(bus, "kv")) {
        lost(0);
        return;
      }
      const delay_ms = this.#rng.range(1, 10);
      this.#after(manager, incarnation, delay_ms, () => {
        if (this.world.blocked("kv", bus)) lost(delay_ms);
        else resolve(this.#kvRead(master_name));
      });
    });
  }

  /** The watch's entry for the current record, unless the host is cut off from the KV. */
  #sendWatch(manager: SimVipManager): void {
    const bus = manager.host.bus_name;
    const on_entry = manager.on_entry;
    if (on_entry === null || this.world.kv().record === null || this.world.blocked(bus, "kv")) return;
    const read = this.#kvRead(this.world.master_name);
    this.#after(manager, manager.incarnation, this.#rng.range(1, 10), () => {
      if (manager.on_entry === on_entry && !this.world.blocked("kv", bus))
        on_entry(this.world.master_name, read);
    });
  }

  #kvRead(master_name: string): TopologyRead {
    const { record, revision } = this.world.kv();
    if (record === null || record.master_name !== master_name) return { kind: "absent" };
    // What the agents write (kv-topology.ts); the loop reads its epoch and primary.
    const { config_epoch, primary, replicas, leader } = record;
    const wire = {
      v: PROTOCOL_VERSION,
      type: "topology",
      master_name,
      config_epoch,
      primary,
      leader,
    } as const;
    return { kind: "record", record: { ...wire, replicas: [...replicas] }, revision };
  }

  // -------------------------------------------------------------------------------------------
  // The log

  /** The loop's own log lines, the VIP's changes traced (keep_log), the rest dropped. */
  #logger(manager: SimVipManager): Logger {
    const destination = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString("utf8").split("\n"))
          if (line !== "") this.#traceLine(manager, line);
        done();
      },
    });
    return createLogger({
      service: "vip-manager",
      level: this.world.keep_log ? "info" : "silent",
      destination,
    });
  }

  #traceLine(manager: SimVipManager, line: string): void {
    const fields: unknown = JSON.parse(line);
    if (typeof fields !== "object" || fields === null) return;
    const event = "event" in fields ? fields.event : null;
    const action = "action" in fields ? fields.action : null;
    const reason = "reason" in fields ? fields.reason : null;
    if (event === "vip_hold" && action === "bound") this.world.trace(manager.name, "< VIP bound");
    else if (event === "vip_release" && action === "released")
      this.world.trace(manager.name, `< VIP released (${String(reason)})`);
    else if (event === "vip_address_in_use")
      this.world.trace(manager.name, "! VIP address in use: not bound");
  }
}
