// setState, abortFailover and endFailover refuse what the table of states does not allow.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startElection } from "./election.js";
import { abortFailover, endFailover, setState } from "./failover-run.js";
import { Out } from "./out.js";
import type { FailoverRun, MasterState } from "./state.js";
import { Harness, R1, fixedRandom } from "./test-support.js";

function running(): { out: Out; master: MasterState; run: FailoverRun } {
  const h = new Harness();
  const out = new Out(h.state, fixedRandom(0));
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  startElection(out, master, "manual");
  const run = master.failover ?? assert.fail();
  return { out, master, run };
}

function eventNames(out: Out): string[] {
  return out.effects.flatMap((e) => (e.type === "event" ? [e.event.name] : []));
}

void test("setState moves along the table and emits the state's entry event", () => {
  const { out, master, run } = running();
  out.effects.length = 0;
  setState(out, master, run, "select-slave");
  assert.equal(run.state, "select-slave");
  run.selected = R1;
  setState(out, master, run, "send-slaveof-noone");
  setState(out, master, run, "wait-promotion");
  setState(out, master, run, "commit");
  assert.deepEqual(eventNames(out), [
    "+failover-state-select-slave",
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
    "+promoted-slave",
  ]);
  const texts = out.effects.flatMap((e) => (e.type === "event" ? [e.event.text] : []));
  assert.match(texts[3] ?? "", /^slave 10\.0\.0\.2:6379 10\.0\.0\.2 6379 @ mymaster /);
});

void test("an illegal transition throws and changes nothing", () => {
  const { out, master, run } = running();
  out.effects.length = 0;
  assert.throws(() => {
    setState(out, master, run, "commit");
  }, /invalid failover transition \[wait-start -> commit\]/);
  assert.equal(run.state, "wait-start");
  assert.deepEqual(out.effects, []);
  setState(out, master, run, "select-slave");
  assert.throws(() => {
    setState(out, master, run, "select-slave");
  }, /invalid failover transition \[select-slave -> select-slave\]/);
});

void test("a state whose event names the selected replica needs one", () => {
  const { out, master, run } = running();
  setState(out, master, run, "select-slave");
  assert.throws(() => {
    setState(out, master, run, "send-slaveof-noone");
  }, /without a selected replica/);
  assert.equal(run.state, "select-slave");
});

void test("an ending the state cannot have throws; an allowed abort ends the run with its event", () => {
  const { out, master } = running();
  assert.throws(() => {
    abortFailover(out, master, "-failover-abort-commit-conflict");
  }, /invalid failover ending \[wait-start -> -failover-abort-commit-conflict\]/);
  assert.throws(() => {
    endFailover(out, master, "+failover-end");
  }, /invalid failover ending/);
  out.effects.length = 0;
  abortFailover(out, master, "-failover-abort-not-elected");
  assert.equal(master.failover, null);
  assert.deepEqual(eventNames(out), ["-failover-abort-not-elected"]);
  assert.throws(() => {
    abortFailover(out, master, "-failover-abort-not-elected");
  }, /without a failover/);
});

void test("a fence is lifted only before the promotion was sent", () => {
  const { out, master, run } = running();
  setState(out, master, run, "select-slave");
  run.selected = R1;
  setState(out, master, run, "fence-old-primary", [run.epoch]);
  run.promote_command_id = 99;
  assert.throws(() => {
    abortFailover(out, master, "-failover-abort-tilt", [run.epoch], true);
  }, /after a promotion was sent/);
  run.promote_command_id = null;
  out.effects.length = 0;
  abortFailover(out, master, "-failover-abort-tilt", [run.epoch], true);
  const commands = out.effects.flatMap((e) => (e.type === "node_command" ? [e.command.type] : []));
  assert.deepEqual(commands, ["unfence"]);
  assert.equal(master.unfence?.epoch, run.epoch);
});
