// Cluster-wide invariants, checked as the simulation runs (TigerBeetle VOPR style). Safety:
//  - at most one agent elected leader per epoch (from `+elected-leader` events);
//  - every elected leader had votes from a majority of ALL agents (so a minority side never gets
//    a promotion elected), counted from the grants actually delivered to it;
//  - at most one node promoted per epoch;
//  - no data-node applies a command older than one it already applied;
//  - no two redis nodes accept writes (role master, not fenced) with the same accepted epoch;
//  - at no simulated instant do two redis nodes accept writes at all (running, role master, not
//    fenced: checked after every event, whatever their epochs);
//  - no node acknowledges a write after another node was promoted at a newer epoch than the one
//    that last made it primary (the old primary is fenced before every promotion, ADR 0001);
//  - only a failover run fences, at its own epoch, never a reassert (ADR 0001: every failover
//    fences the old primary before it promotes; checked by the world when a fence is sent);
//  - a switchover loses nothing: when a replica is promoted at the epoch of a fence, every write
//    the fenced old primary acknowledged (and still holds) is in the promoted replica's data, and
//    the old primary acknowledges no write afterwards unless a newer epoch made it primary again;
//  - a fenced node never acknowledges a write (a model self-check);
//  - with a pre-promote hook configured, no replica is promoted by a leader before that leader's
//    hook for the same epoch and replica succeeded (a reassert, which moves nothing, excepted).
// Liveness (after healing): every agent has the committed config epoch and primary, and exactly
// one redis node is master: that primary.
import type { Address, NodeCommand, SentinelEvent, TopologyRecord } from "@sentinel-plane/core";
import { addrText, historyHolds, holds } from "./redis-model.js";
import type { History, SimNode } from "./redis-model.js";

/** An acknowledged write: the lineage and offset it ended at. */
interface Ack {
  readonly history: History;
  readonly offset: number;
}

/** A node fenced at an epoch, with its data at that moment. */
interface Fence {
  readonly node: string;
  readonly history: History;
  readonly offset: number;
}

export class Violation extends Error {
  constructor(
    readonly seed: number,
    readonly at_ms: number,
    readonly detail: string,
  ) {
    super(`seed ${seed} at ${at_ms} ms: ${detail}\n  replay: npm run sim -- --seed ${seed} --verbose`);
    this.name = "Violation";
  }
}

export class Checker {
  readonly #leaders = new Map<number, string>();
  readonly #grants = new Map<string, Set<string>>();
  readonly #promotions = new Map<number, string>();
  readonly #applied = new Map<string, number>();
  readonly #commits = new Map<number, string>();
  /** Active fences by epoch (cleared by unfence/promote of that node). */
  readonly #fences = new Map<number, Fence>();
  /** Epochs whose fence was a failover's gate, not a switchover's (no catch-up promised). */
  readonly #gate_epochs = new Set<number>();
  /** Acknowledged writes per node. */
  readonly #acks = new Map<string, Ack[]>();
  /** The epoch at which each node was last promoted (absent: the initial primary, 0). */
  readonly #promoted_at = new Map<string, number>();
  /** The newest promotion so far. */
  #newest_promotion: { readonly epoch: number; readonly node: string } | null = null;
  /** Old primaries of completed switchovers: node name -> the switchover's epoch. */
  readonly #switched = new Map<string, number>();
  /** Elections won, for statistics. */
  elections = 0;
  /** Switchovers whose promotion was checked for lost writes. */
  switchovers = 0;
  /** Successful pre-promote hooks: `agent/epoch/ip:port` of the replica it allowed to promote. */
  readonly #hooks_ok = new Set<string>();
  /** Pre-promote hooks run / failed (any reason), for statistics. */
  hooks_run = 0;
  hooks_failed = 0;

  constructor(
    readonly seed: number,
    readonly agents_total: number,
  ) {}

  fail(at_ms: number, detail: string): never {
    throw new Violation(this.seed, at_ms, detail);
  }

  /** A vote reply granting `candidate` the vote of `voter` in `epoch` reached the candidate. */
  grantDelivered(candidate: string, voter: string, epoch: number): void {
    const key = `${epoch}/${candidate}`;
    let voters = this.#grants.get(key);
    if (voters === undefined) {
      voters = new Set([candidate]);
      this.#grants.set(key, voters);
    }
    voters.add(voter);
  }

  onEvent(at_ms: number, agent: string, event: SentinelEvent): void {
    if (event.name !== "+elected-leader") return;
    this.elections += 1;
    const epoch = event.epoch;
    const previous = this.#leaders.get(epoch);
    if (previous !== undefined && previous !== agent) {
      this.fail(at_ms, `two leaders elected in epoch ${epoch}: ${previous} and ${agent}`);
    }
    this.#leaders.set(epoch, agent);
    const votes = this.#grants.get(`${epoch}/${agent}`)?.size ?? 1;
    const majority = Math.floor(this.agents_total / 2) + 1;
    if (votes < majority) {
      this.fail(at_ms, `${agent} elected in epoch ${epoch} with ${votes} of ${this.agents_total} votes`);
    }
  }

  onApplied(at_ms: number, node: SimNode, epoch: number, kind: NodeCommand["type"]): void {
    const last = this.#applied.get(node.name) ?? 0;
    if (epoch < last) this.fail(at_ms, `${node.name} applied ${kind} at epoch ${epoch} after epoch ${last}`);
    this.#applied.set(node.name, epoch);
    if (kind === "fence") {
      this.#fences.set(epoch, { node: node.name, history: node.history, offset: node.offset });
      return;
    }
    if (kind === "unfence" || kind === "promote") this.#liftFences(node.name);
    if (kind !== "promote") return;
    const promoted = this.#promotions.get(epoch);
    if (promoted !== undefined && promoted !== node.name) {
      this.fail(at_ms, `two promotions in epoch ${epoch}: ${promoted} and ${node.name}`);
    }
    this.#promotions.set(epoch, node.name);
    this.#promoted_at.set(node.name, epoch);
    if (this.#newest_promotion === null || epoch > this.#newest_promotion.epoch) {
      this.#newest_promotion = { epoch, node: node.name };
    }
    const fence = this.#fences.get(epoch);
    // A gate's fence (ADR 0001) keeps the old primary from writing on; only a switchover's fence
    // also promises that nothing acknowledged is lost (the replica caught up first).
    const gate = this.#gate_epochs.has(epoch);
    if (fence !== undefined && fence.node !== node.name && !gate)
      this.#checkSwitchover(at_ms, node, epoch, fence);
  }

  #liftFences(node: string): void {
    for (const [epoch, fence] of this.#fences) if (fence.node === node) this.#fences.delete(epoch);
  }

  /** The promoted replica must hold every write the fenced old primary acknowledged and holds. */
  #checkSwitchover(at_ms: number, promoted: SimNode, epoch: number, fence: Fence): void {
    this.switchovers += 1;
    for (const ack of this.#acks.get(fence.node) ?? []) {
      if (!historyHolds(fence.history, fence.offset, ack.history, ack.offset)) continue; // lost earlier
      if (holds(promoted, ack.history, ack.offset)) continue;
      this.fail(
        at_ms,
        `switchover at epoch ${epoch} lost acknowledged writes: ${promoted.name} promoted at offset ` +
          `${promoted.offset} lacks the write at offset ${ack.offset} acknowledged by ${fence.node} ` +
          `(fenced at offset ${fence.offset})`,
      );
    }
    this.#switched.set(fence.node, epoch);
  }

  /** A client write was acknowledged by `node` (after it was applied). */
  onAck(at_ms: number, node: SimNode): void {
    if (node.fenced) this.fail(at_ms, `${node.name} acknowledged a write while fenced`);
    const own = this.#promoted_at.get(node.name) ?? 0;
    const newest = this.#newest_promotion;
    if (newest !== null && newest.epoch > own) {
      this.fail(
        at_ms,
        `${node.name} (primary since epoch ${own}) acknowledged a write after ${newest.node} was promoted ` +
          `at epoch ${newest.epoch}`,
      );
    }
    const switched = this.#switched.get(node.name);
    if (switched !== undefined && node.epoch <= switched) {
      this.fail(
        at_ms,
        `${node.name} acknowledged a write after the switchover away from it at epoch ${switched}`,
      );
    }
    let acks = this.#acks.get(node.name);
    if (acks === undefined) {
      acks = [];
      this.#acks.set(node.name, acks);
    }
    acks.push({ history: node.history, offset: node.offset });
  }

  /** Acknowledged writes (on any node) that `primary`'s data does not hold. */
  lostWrites(primary: SimNode): number {
    let lost = 0;
    for (const acks of this.#acks.values()) {
      for (const ack of acks) if (!holds(primary, ack.history, ack.offset)) lost += 1;
    }
    return lost;
  }

  /** A fence command may only come from a manual failover of the same epoch. */
  onFenceSent(
    at_ms: number,
    agent: string,
    epoch: number,
    run: { kind: string; epoch: number; fence: { mode: string } | null } | null,
  ): void {
    if (run?.fence?.mode === "gate" && run.epoch === epoch) this.#gate_epochs.add(epoch);
    if (run !== null && run.kind !== "reassert" && run.epoch === epoch) return;
    this.fail(at_ms, `${agent} sent a fence at epoch ${epoch} outside a failover (${run?.kind ?? "none"})`);
  }

  /** A pre-promote hook's result reached its agent. */
  onHookResult(agent: string, epoch: number, to: Address, ok: boolean): void {
    if (ok) this.#hooks_ok.add(`${agent}/${epoch}/${addrText(to)}`);
    else this.hooks_failed += 1;
  }

  /** A promote command leaves `agent`: with a hook configured, its success must have come first. */
  onPromoteSent(
    at_ms: number,
    agent: string,
    epoch: number,
    target: Address,
    run: { kind: string; epoch: number; old_primary: Address } | null,
  ): void {
    if (run === null || run.epoch !== epoch) {
      this.fail(at_ms, `${agent} sent a promote at epoch ${epoch} outside its failover run`);
    }
    const moves = addrText(run.old_primary) !== addrText(target);
    if (!moves || this.#hooks_ok.has(`${agent}/${epoch}/${addrText(target)}`)) return;
    this.fail(
      at_ms,
      `${agent} promoted ${addrText(target)} at epoch ${epoch} without a successful pre-promote hook`,
    );
  }

  onCommit(at_ms: number, record: TopologyRecord): void {
    const previous = this.#commits.get(record.config_epoch);
    const primary = addrText(record.primary);
    if (previous !== undefined && previous !== primary) {
      this.fail(at_ms, `two commits for config epoch ${record.config_epoch}: ${previous} and ${primary}`);
    }
    this.#commits.set(record.config_epoch, primary);
  }

  /** At this instant at most one node accepts writes (running, role master, not fenced). */
  checkWritable(at_ms: number, nodes: readonly SimNode[]): void {
    let writable: SimNode | null = null;
    for (const node of nodes) {
      if (node.process !== "running" || node.role !== "master" || node.fenced) continue;
      if (writable !== null) {
        this.fail(
          at_ms,
          `two writable primaries: ${writable.name} (epoch ${writable.epoch}) and ${node.name} ` +
            `(epoch ${node.epoch}) both accept writes (role master, not fenced)`,
        );
      }
      writable = node;
    }
  }

  /** No two write-accepting masters share an accepted epoch. */
  checkWriters(at_ms: number, nodes: readonly SimNode[]): void {
    const by_epoch = new Map<number, string>();
    for (const node of nodes) {
      if (node.role !== "master" || node.process === "killed" || node.fenced) continue;
      const other = by_epoch.get(node.epoch);
      if (other !== undefined) {
        this.fail(at_ms, `${other} and ${node.name} both accept writes in epoch ${node.epoch}`);
      }
      by_epoch.set(node.epoch, node.name);
    }
  }
}
