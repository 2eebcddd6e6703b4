// The simulator's data-nodes run the data-node's own loop (libs/data-node-shell DataNodeLoop) over
// the world's in-memory ports: a fence written to a hung server's connection is only queued (the
// watchdog stays armed) and counts as a fence once its reply comes when the server resumes, which
// the simulator's former copy of the rules did not model (it took the queued fence for done). Its
// self-healing is the data-node's own Restarter over the same clock and timers: it dies with it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DataNodeLoop, Restarter } from "@sentinel-plane/data-node-shell";
import { buildWorld } from "./run.js";
import { DN_HANG_FENCE_AFTER_MS } from "./data-node-model.js";
import type { SimDataNode } from "./data-node-model.js";

/** Its loop now (read through a call: a start replaces it). */
const loopOf = (dn: SimDataNode): DataNodeLoop | null => dn.loop;

/** The log lines of `who` from index `from` on, without their time. */
function linesOf(log: readonly string[], from: number, who: string): string[] {
  return log
    .slice(from)
    .map((l) => l.trim().split(/\s+/).slice(1).join(" "))
    .filter((l) => l.startsWith(`${who} `));
}

void test("a hang fence is queued on the hung primary's connection and settled by its reply on resume", async () => {
  const { world } = buildWorld({ seed: 7, keep_log: true, vip: "off" });
  world.start();
  await world.runUntil(2000);
  const [node] = world.nodes;
  const [dn] = world.data_nodes;
  assert.ok(node !== undefined && dn !== undefined);
  assert.ok(dn.loop instanceof DataNodeLoop, "the data-node runs the data-node's loop");
  assert.equal(node.role, "master");
  const from = world.log.length;
  world.hangNode(node);
  await world.runUntil(2000 + DN_HANG_FENCE_AFTER_MS + 250);
  const hung = linesOf(world.log, from, dn.name);
  assert.ok(
    hung.some((l) => l.startsWith("d1 < self-fence queued (hang)")),
    `queued: ${hung.join(" | ")}`,
  );
  assert.ok(!hung.some((l) => l.startsWith("d1 < self-fence (hang)")), "not settled while hung");
  assert.equal(node.fence_queued, true);
  assert.equal(node.fenced, false, "the fence waits in the hung server's socket buffer");
  const resumed_from = world.log.length;
  world.resumeNode(node);
  await world.runUntil(world.now_ms + 1);
  const resumed = linesOf(world.log, resumed_from, dn.name);
  const ran = resumed.indexOf("d1 ! queued fence ran on resume");
  const settled = resumed.findIndex((l) => l.startsWith("d1 < self-fence (hang)"));
  assert.ok(ran >= 0 && settled > ran, `settled after the reply: ${resumed.join(" | ")}`);
  assert.equal(node.fenced, true);
});

void test("a restarted data-node runs a new loop; the crashed one's timers are dead", async () => {
  const { world } = buildWorld({ seed: 3, keep_log: true, vip: "off" });
  world.start();
  await world.runUntil(1000);
  const [dn] = world.data_nodes;
  assert.ok(dn !== undefined);
  const before = dn.loop;
  assert.ok(before !== null);
  const pending = [...before.lease.pending.keys()];
  world.crashDataNode(dn);
  assert.equal(dn.loop, null);
  await world.runUntil(2000);
  assert.deepEqual(
    [...before.lease.pending.keys()],
    pending,
    "the dropped loop asked for no lease after its crash",
  );
  world.startDataNode(dn);
  const after = loopOf(dn);
  assert.ok(after !== null && after !== before);
  await world.runUntil(3000);
  assert.ok(after.lease.until_ms !== null, "the new loop got a lease");
});

void test("the data-node's own restarter restarts its killed server after the back-off and dies with it", async () => {
  const { world } = buildWorld({ seed: 3, keep_log: true, vip: "off" });
  world.start();
  await world.runUntil(2000);
  const replica = world.nodes.find((n) => n.role === "slave");
  assert.ok(replica !== undefined);
  const dn = world.dataNodeOf(replica);
  assert.ok(dn.restarter instanceof Restarter, "the data-node runs the data-node's restarter");
  // Killed with no fault holding it down (as the watchdog kills): restart_delay_ms (1 s, its clock).
  world.killNode(replica, false);
  await world.runUntil(2900);
  assert.equal(replica.process, "killed", "not before the back-off");
  await world.runUntil(3100);
  assert.equal(replica.process, "running", "restarted by the restarter's timer");
  // Killed again (the back-off doubles) and its data-node crashes meanwhile: no restart.
  world.killNode(replica, false);
  world.crashDataNode(dn);
  await world.runUntil(8000);
  assert.equal(replica.process, "killed", "the restarter's timer died with its data-node");
  // A new data-node finds no server, last seen a replica: started as configured at once.
  world.startDataNode(dn);
  await world.runUntil(8001);
  assert.equal(replica.process, "running");
  // A fault's kill holds the server down: the restarter's start waits for the fault's end.
  world.killNode(replica);
  await world.runUntil(12_000);
  assert.equal(replica.process, "killed", "held down by the fault past the back-off");
  world.resumeNode(replica);
  assert.equal(replica.process, "running", "the waiting start ran at the fault's end");
});
