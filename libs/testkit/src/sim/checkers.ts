// Cluster-wide invariants, checked as the simulation runs (TigerBeetle VOPR style). Safety:
//  - at most one agent elected leader per epoch (from `+elected-leader` events);
//  - every elected leader had votes from a majority of ALL agents (so a minority side never gets
//    a promotion elected), counted from the grants actually delivered to it;
//  - at most one node promoted per epoch;
//  - no data-node applies a command older than one it already applied;
//  - no two redis nodes accept writes (role master, not fenced) with the same accepted epoch.
// Liveness (after healing): every agent has the committed config epoch and primary, and exactly
// one redis node is master: that primary.
import type { SentinelEvent, TopologyRecord } from "@sentinel-plane/core";
import { addrText } from "./redis-model.js";
import type { SimNode } from "./redis-model.js";

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
  /** Elections won, for statistics. */
  elections = 0;

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

  onApplied(at_ms: number, node: SimNode, epoch: number, kind: "promote" | "replicaof"): void {
    const last = this.#applied.get(node.name) ?? 0;
    if (epoch < last) this.fail(at_ms, `${node.name} applied ${kind} at epoch ${epoch} after epoch ${last}`);
    this.#applied.set(node.name, epoch);
    if (kind !== "promote") return;
    const promoted = this.#promotions.get(epoch);
    if (promoted !== undefined && promoted !== node.name) {
      this.fail(at_ms, `two promotions in epoch ${epoch}: ${promoted} and ${node.name}`);
    }
    this.#promotions.set(epoch, node.name);
  }

  onCommit(at_ms: number, record: TopologyRecord): void {
    const previous = this.#commits.get(record.config_epoch);
    const primary = addrText(record.primary);
    if (previous !== undefined && previous !== primary) {
      this.fail(at_ms, `two commits for config epoch ${record.config_epoch}: ${previous} and ${primary}`);
    }
    this.#commits.set(record.config_epoch, primary);
  }

  /** No two write-accepting masters share an accepted epoch. */
  checkWriters(at_ms: number, nodes: readonly SimNode[]): void {
    const by_epoch = new Map<number, string>();
    for (const node of nodes) {
      if (node.role !== "master" || node.process === "killed") continue;
      const other = by_epoch.get(node.epoch);
      if (other !== undefined) {
        this.fail(at_ms, `${other} and ${node.name} both accept writes in epoch ${node.epoch}`);
      }
      by_epoch.set(node.epoch, node.name);
    }
  }
}
