// Simulated Redis servers with their data-nodes: replication (the primary's offset grows with
// client writes, replicas follow with lag and resync after REPLICAOF), process faults (SIGKILL
// with a supervised exit, hang) and the role changes the data-node's transactions make
// (promoteServer, replicaofServer: data-node-model.ts runs them for the data-node's own command
// path, libs/data-node-shell DataNodeCommands, which also persists the accepted epoch and issuer
// here). The data-node's fence refuses writes (it survives REPLICAOF and is lifted by `unfence` or
// `promote`), and a restarted server comes up fenced (the data-node's start_fenced default).
//
// Data lineage: a node's data is `history` up to `offset`. A History is a chain (Redis's replid /
// replid2): promotion starts a child history forked at the node's offset; a replica that completes
// a sync takes its source's history. `holds` answers "is this acknowledged write in this data?".
import { addressKey, sameAddress } from "@sentinel-plane/core";
import type { Address, RedisInfo } from "@sentinel-plane/core";
import type { PromoteFence } from "@sentinel-plane/data-node-shell";
import { spError } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";
import type { Prng } from "./prng.js";

export type ProcessStatus = "running" | "killed" | "hung";

/** A write history: the data up to `fork_offset` is the parent's (compared by identity). */
export interface History {
  readonly parent: History | null;
  readonly fork_offset: number;
}

/** Whether data (`history` up to `offset`) contains the write ending at `w_offset` in `w_history`. */
export function historyHolds(
  history: History,
  offset: number,
  w_history: History,
  w_offset: number,
): boolean {
  let limit = offset;
  for (let h: History | null = history; h !== null; h = h.parent) {
    if (h === w_history) return limit >= w_offset;
    limit = Math.min(limit, h.fork_offset);
  }
  return false;
}

export function holds(node: SimNode, w_history: History, w_offset: number): boolean {
  return historyHolds(node.history, node.offset, w_history, w_offset);
}

export interface SimNode {
  readonly name: string;
  readonly address: Address;
  run_id: string;
  role: "master" | "slave";
  master: Address | null;
  offset: number;
  history: History;
  /** Bytes written during the current replication tick (replicas lag by at most that much). */
  tick_bytes: number;
  /** Data-node fence: writes refused. */
  fenced: boolean;
  link: "up" | "down" | "sync";
  link_down_since_ms: number;
  sync_done_ms: number;
  process: ProcessStatus;
  started_ms: number;
  priority: number;
  /** Data-node: the highest epoch it accepted and its issuer (persisted: survive restarts). */
  epoch: number;
  issuer: string | null;
  /** A hang self-fence waits on the connection: it runs first when the process resumes. */
  fence_queued: boolean;
  /** The seq of its data-node's last report: a restarted data-node's reports follow it. */
  report_seq: number;
}

/** core's sameAddress, false when either side is unknown. */
export function sameAddr(a: Address | null, b: Address | null): boolean {
  return a !== null && b !== null && sameAddress(a, b);
}

/** core's addressKey: the form the simulator's logs write. */
export const addrText = addressKey;

export function nodeAt(nodes: readonly SimNode[], address: Address): SimNode | null {
  for (const node of nodes) if (sameAddr(node.address, address)) return node;
  return null;
}

/** A client write of `bytes` on `node`: acknowledged (true) by a running, unfenced master only. */
export function write(node: SimNode, bytes: number): boolean {
  if (node.process !== "running" || node.role !== "master" || node.fenced) return false;
  node.offset += bytes;
  node.tick_bytes += bytes;
  return true;
}

/**
 * One replication tick (after this tick's writes): replicas follow, links break and resync.
 * `linked(source, replica)`: the network lets the replica reach its source.
 */
export function replicate(
  nodes: readonly SimNode[],
  now_ms: number,
  rng: Prng,
  linked: (source: SimNode, replica: SimNode) => boolean,
): void {
  for (const node of nodes) {
    if (node.role !== "slave" || node.process !== "running" || node.master === null) continue;
    const source = nodeAt(nodes, node.master);
    const reachable = source !== null && source.process === "running" && linked(source, node);
    if (!reachable) {
      if (node.link !== "down") {
        node.link = "down";
        node.link_down_since_ms = now_ms;
      }
      continue;
    }
    if (node.link === "down") {
      node.link = "sync";
      node.sync_done_ms = now_ms + rng.range(50, 400);
    } else if (node.link === "sync" && now_ms >= node.sync_done_ms) {
      node.link = "up";
      node.offset = source.offset;
      node.history = source.history;
    } else if (node.link === "up" && node.history !== source.history) {
      // The source resynced from elsewhere or was promoted: its replicas resync too.
      node.link = "sync";
      node.sync_done_ms = now_ms + rng.range(50, 400);
    } else if (node.link === "up") {
      // Follows with some of this tick's writes still in flight.
      node.offset = Math.max(node.offset, source.offset - Math.min(rng.int(32), source.tick_bytes));
    }
  }
  for (const node of nodes) node.tick_bytes = 0;
}

export function infoOf(nodes: readonly SimNode[], node: SimNode, now_ms: number): RedisInfo {
  const replicas = nodes
    .filter(
      (r) =>
        r.role === "slave" && r.process !== "killed" && sameAddr(r.master, node.address) && r.link === "up",
    )
    .map((r) => ({
      host: r.address.host,
      port: r.address.port,
      state: "online",
      offset: r.offset,
      lag_s: 0,
    }));
  const base = {
    run_id: node.run_id,
    master_repl_offset: node.offset,
    replicas,
    replica_priority: node.priority,
    replica_announced: true,
    uptime_s: Math.floor((now_ms - node.started_ms) / 1000),
    replid: "",
    replid2: "",
    second_repl_offset: -1,
    redis_version: "7.0.15",
  };
  if (node.role === "master" || node.master === null) return { ...base, role: "master" };
  return {
    ...base,
    role: "slave",
    master_host: node.master.host,
    master_port: node.master.port,
    master_link_status: node.link === "up" ? "up" : "down",
    master_link_down_since_s: node.link === "up" ? -1 : Math.floor((now_ms - node.link_down_since_ms) / 1000),
    slave_repl_offset: node.offset,
    slave_read_repl_offset: node.offset,
    slave_read_only: true,
    master_sync_in_progress: node.link === "sync",
  };
}

/**
 * REPLICAOF NO ONE on a running server, with what the data-node's promote does to the fence in the
 * same transaction (data-node-shell PromoteFence): a replica starts a new history; on a master (a
 * reassert) the data stays as it is.
 */
export function promoteServer(node: SimNode, fence: PromoteFence): Result<string[]> {
  if (node.role !== "master") node.history = { parent: node.history, fork_offset: node.offset };
  node.role = "master";
  node.master = null;
  if (fence !== "keep") node.fenced = fence === "set";
  const fence_step =
    fence === "keep" ? [] : [`CONFIG SET min-replicas-to-write ${fence === "set" ? "fence" : "0"}`];
  return { ok: true, value: [...fence_step, "REPLICAOF NO ONE"] };
}

/** REPLICAOF host port on a running server (it keeps the data-node's fence: harmless on a replica). */
export function replicaofServer(node: SimNode, target: Address, now_ms: number, rng: Prng): Result<string[]> {
  const step = `REPLICAOF ${addrText(target)}`;
  if (sameAddr(target, node.address)) {
    return { ok: false, error: spError("SP_ERR_REDIS_COMMAND_FAILED", [step, "cannot replicate itself"]) };
  }
  if (node.role === "master" || !sameAddr(node.master, target)) {
    node.role = "slave";
    node.master = { host: target.host, port: target.port };
    node.link = "sync";
    node.sync_done_ms = now_ms + rng.range(50, 400);
  }
  return { ok: true, value: [step] };
}
