// The table of failover states and endings is complete and consistent with the events table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EVENTS } from "./events.js";
import {
  FAILOVER_ENDS,
  FAILOVER_STATES,
  failoverEndOf,
  failoverOutcomeCompleted,
  failoverStateEntered,
  isFailoverStateName,
} from "./failover-states.js";
import type { FailoverStateName } from "./state.js";

const STATES = Object.keys(FAILOVER_STATES).filter(isFailoverStateName);

void test("every abort event of the events table is an ending, and every ending is an event", () => {
  const aborts = Object.keys(EVENTS).filter((name) => name.startsWith("-failover-abort-"));
  assert.ok(aborts.includes("-failover-abort-lagging-slaves"));
  for (const name of aborts) assert.ok(Object.hasOwn(FAILOVER_ENDS, name), `${name} has no ending row`);
  for (const name of Object.keys(FAILOVER_ENDS))
    assert.ok(Object.hasOwn(EVENTS, name), `${name} is no event`);
});

void test("every state is reachable from wait-start and every ending is possible in some state", () => {
  const seen = new Set<FailoverStateName>(["wait-start"]);
  const queue: FailoverStateName[] = ["wait-start"];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    for (const next of FAILOVER_STATES[state].next) {
      if (!seen.has(next)) queue.push(next);
      seen.add(next);
    }
  }
  assert.deepEqual([...seen].sort(), [...STATES].sort());
  const ends = new Set(STATES.flatMap((state) => FAILOVER_STATES[state].ends));
  assert.deepEqual([...ends].sort(), Object.keys(FAILOVER_ENDS).sort());
  // A run completes only from reconf-slaves, after the commit.
  for (const state of STATES) {
    const completes = FAILOVER_STATES[state].ends.some((end) => FAILOVER_ENDS[end].completed);
    assert.equal(completes, state === "reconf-slaves", state);
  }
});

void test("each state has its own entry event, and every +failover-state-* event enters a state", () => {
  const entries = STATES.map((state) => FAILOVER_STATES[state].entry_event);
  assert.equal(new Set(entries).size, entries.length);
  for (const state of STATES) assert.equal(failoverStateEntered(FAILOVER_STATES[state].entry_event), state);
  for (const name of Object.keys(EVENTS).filter((n) => n.startsWith("+failover-state-"))) {
    assert.notEqual(failoverStateEntered(name), null, name);
  }
  assert.equal(failoverStateEntered("+elected-leader"), null);
});

void test("endings: outcomes are distinct; an abort unknown to this version still ends a run", () => {
  const outcomes = Object.values(FAILOVER_ENDS).map((end) => end.outcome);
  assert.equal(new Set(outcomes).size, outcomes.length);
  assert.equal(failoverEndOf("+failover-end-for-timeout")?.outcome, "end-for-timeout");
  assert.equal(failoverEndOf("-failover-abort-lagging-slaves")?.outcome, "lagging-slaves");
  assert.deepEqual(failoverEndOf("-failover-abort-from-the-future"), {
    outcome: "from-the-future",
    completed: false,
    retry: "backoff",
  });
  assert.equal(failoverEndOf("+switch-master"), null);
  assert.equal(failoverEndOf("toString"), null);
  assert.equal(failoverOutcomeCompleted("end"), true);
  assert.equal(failoverOutcomeCompleted("end-for-timeout"), true);
  assert.equal(failoverOutcomeCompleted("commit-conflict"), false);
});
