// The edges of the vip-manager's loop: the committed topology, the VIPs, the hook runner, the
// timers. Each has a real adapter (the vip-manager's KV source, VipController, HookRunner, Node's
// timers), an in-memory one in the simulator (libs/testkit sim) and fakes in the unit tests.
import type { VipProbeResult } from "@sentinel-plane/core/vip";
import type { WireTopologyRecord } from "@sentinel-plane/protocol";
import type { VipConfig } from "./vip-config.js";

export type { Timers } from "@sentinel-plane/runtime";

/** What duplicate address detection (arping -D) found. */
export interface VipProbe {
  readonly result: VipProbeResult;
  readonly probes_sent: number;
  readonly duration_ms: number;
}

export type TopologyRead =
  | { readonly kind: "record"; readonly record: WireTopologyRecord; readonly revision: number }
  /** No key, or a delete/purge marker. */
  | { readonly kind: "absent" }
  | { readonly kind: "invalid"; readonly revision: number; readonly reason: string };

export interface TopologyPort {
  /** The current value of one master's key; rejects on a transport failure or a timeout. */
  read(master_name: string): Promise<TopologyRead>;
  /**
   * (Re)starts following every key of the bucket (current values first); a previous watch is
   * stopped. `on_end` reports a watch that ended by itself (it is not restarted here).
   */
  watch(on_entry: (master_name: string, read: TopologyRead) => void, on_end: (reason: string) => void): void;
  stop(): void;
}

export interface VipPort {
  readonly config: VipConfig;
  /** Renews the VIP's lifetime when it is bound here: true; not bound here: false, nothing done. */
  renew(): Promise<boolean>;
  /** Duplicate address detection: does another host answer for the VIP? */
  probe(): Promise<VipProbe>;
  /** Binds the VIP here and announces it (gratuitous ARP). */
  hold(): Promise<unknown>;
  release(): Promise<{ readonly removed: boolean }>;
  /** Stops a running arping; leaves the address as it is. */
  close(): Promise<void>;
}

export interface HookPort {
  schedule(argv: readonly string[]): number;
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}
