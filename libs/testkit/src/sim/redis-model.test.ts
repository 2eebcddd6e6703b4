import { test } from "node:test";
import assert from "node:assert/strict";
import { historyHolds, promoteServer, replicaofServer, replicate, write } from "./redis-model.js";
import { serverObservation } from "./data-node-model.js";
import { isFenced } from "@sentinel-plane/core/data-node";
import type { History, SimNode } from "./redis-model.js";
import { Prng } from "./prng.js";

function node(name: string, port: number, history: History, master: SimNode | null): SimNode {
  return {
    name,
    address: { host: "10.0.0.1", port },
    run_id: name.padEnd(40, "0"),
    role: master === null ? "master" : "slave",
    master: master?.address ?? null,
    offset: 0,
    history,
    tick_bytes: 0,
    fenced: false,
    link: master === null ? "up" : "sync",
    link_down_since_ms: 0,
    sync_done_ms: 0,
    process: "running",
    started_ms: 0,
    priority: 100,
    epoch: 0,
    issuer: null,
    fence_queued: false,
    report_seq: 0,
  };
}

void test("lineage: a promoted replica holds its old primary's writes up to the fork, not after", () => {
  const origin: History = { parent: null, fork_offset: 0 };
  const child: History = { parent: origin, fork_offset: 100 };
  assert.ok(historyHolds(child, 150, origin, 100));
  assert.ok(!historyHolds(child, 150, origin, 101), "written on the old primary after the fork");
  assert.ok(historyHolds(child, 150, child, 150));
  assert.ok(!historyHolds(origin, 500, child, 120), "a parent never holds a child's writes");
});

void test("fence: writes refused, the offset frozen, reported; a promote's transaction lifts it", () => {
  const rng = new Prng(1);
  const origin: History = { parent: null, fork_offset: 0 };
  const primary = node("r1", 6379, origin, null);
  const replica = node("r2", 6380, origin, primary);
  const nodes = [primary, replica];
  const linked = (): boolean => true;
  replicate(nodes, 0, rng, linked); // sync done
  assert.ok(write(primary, 40));
  primary.fenced = true; // the data-node's fence (data-node-model.ts serverFence)
  assert.equal(write(primary, 10), false);
  assert.equal(primary.offset, 40);
  assert.equal(isFenced(serverObservation(nodes, primary, 0).min_replicas_to_write), true, "a probe sees it");
  replicate(nodes, 100, rng, linked);
  replicate(nodes, 200, rng, linked);
  assert.equal(replica.offset, 40, "no new writes: the replica catches up fully");
  replica.fenced = true;
  const promoted = promoteServer(replica, "lift");
  assert.ok(promoted.ok);
  assert.equal(replica.fenced, false, "lifted in the same transaction");
  assert.ok(write(replica, 5));
  assert.notEqual(replica.history, origin, "REPLICAOF NO ONE on a replica starts a new history");
  assert.ok(historyHolds(replica.history, replica.offset, origin, 40));
  const reassert = replica.history;
  promoteServer(replica, "set");
  assert.equal(replica.history, reassert, "on a master the data stays as it is");
  assert.equal(replica.fenced, true);
  const demoted = replicaofServer(primary, replica.address, 0, rng);
  assert.ok(demoted.ok);
  assert.equal(primary.role, "slave");
  assert.equal(primary.fenced, true, "a demoted primary keeps its fence (harmless on a replica)");
  assert.equal(write(primary, 1), false);
  const itself = replicaofServer(primary, primary.address, 0, rng);
  assert.equal(itself.ok ? "" : itself.error.code, "SP_ERR_REDIS_COMMAND_FAILED");
});
