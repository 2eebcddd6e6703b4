// The failover history's outcomes are the core's table of endings.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FAILOVER_ENDS } from "@sentinel-plane/core";
import type { WireEventMessage } from "@sentinel-plane/protocol";
import { FailoverHistory } from "./failover-history.js";

function event(name: string, agent = "a".repeat(40)): WireEventMessage {
  return {
    v: 1,
    type: "event",
    id: 0,
    agent,
    time_ms: 0,
    name,
    level: "warning",
    master_name: "mymaster",
    text: "master mymaster 10.0.0.1 6379",
    epoch: 3,
  };
}

void test("each ending of the core's table ends the record with its outcome", () => {
  for (const [name, end] of Object.entries(FAILOVER_ENDS)) {
    const history = new FailoverHistory({ failovers_max: 10, events_max: 10, wall_ms: () => 1000 });
    history.observe(event("+try-failover"));
    history.observe(event(name));
    history.observe(event("+failover-end")); // after +failover-end-for-timeout: the run is over
    const [record] = history.list("mymaster", 10);
    assert.equal(record?.outcome, end.outcome, name);
    assert.deepEqual(
      record.events.map((e) => e.name),
      ["+try-failover", name],
    );
  }
});

void test("an abort reason unknown to this agent (a newer peer's) still ends the record", () => {
  const history = new FailoverHistory({ failovers_max: 10, events_max: 10, wall_ms: () => 1000 });
  history.observe(event("+try-failover"));
  history.observe(event("-failover-abort-from-the-future"));
  history.observe(event("+try-failover"));
  const outcomes = history.list("mymaster", 10).map((r) => r.outcome);
  assert.deepEqual(outcomes, ["in-progress", "from-the-future"]);
});
