import assert from "node:assert/strict";
import { test } from "node:test";
import { PLAIN } from "../render/colour.js";
import { failoversFromRest, renderHistory } from "./history.js";

const BODY = {
  failovers: [
    {
      master: "mymaster",
      epoch: 4,
      leader: "a".repeat(40),
      started_at_ms: Date.UTC(2026, 11, 3, 20, 0, 0),
      ended_at_ms: Date.UTC(2026, 11, 3, 20, 0, 1),
      duration_ms: 1234,
      outcome: "end",
      from: { host: "127.0.0.1", port: 7000 },
      to: { host: "127.0.0.1", port: 7001 },
      events: [
        { name: "+try-failover", text: "master mymaster 127.0.0.1 7000", at_ms: 0, since_start_ms: 0 },
        {
          name: "+switch-master",
          text: "mymaster 127.0.0.1 7000 127.0.0.1 7001",
          at_ms: 0,
          since_start_ms: 900,
        },
      ],
      events_dropped: 0,
    },
    {
      master: "mymaster",
      epoch: 5,
      leader: "b".repeat(40),
      started_at_ms: Date.UTC(2026, 11, 3, 20, 5, 0),
      ended_at_ms: null,
      duration_ms: null,
      outcome: "in-progress",
      from: { host: "127.0.0.1", port: 7001 },
      to: null,
      events: [],
      events_dropped: 0,
    },
  ],
};

void test("history: the REST list as a table, and each failover's timeline with --events", () => {
  const entries = failoversFromRest(BODY);
  assert.equal(entries.length, 2);
  const text = renderHistory(entries, false, PLAIN);
  assert.match(
    text,
    /2026-12-03 20:00:00\s+mymaster\s+4\s+127\.0\.0\.1:7000\s+127\.0\.0\.1:7001\s+end\s+1234 ms/,
  );
  assert.match(text, /mymaster\s+5\s+127\.0\.0\.1:7001\s+-\s+in-progress\s+-/);
  assert.doesNotMatch(text, /\+switch-master/);
  const timeline = renderHistory(entries, true, PLAIN);
  assert.match(timeline, /mymaster epoch 4\n {2}\+ {5}0 ms {2}\+try-failover master mymaster/);
  assert.match(timeline, /\+ {3}900 ms {2}\+switch-master mymaster 127\.0\.0\.1 7000 127\.0\.0\.1 7001/);
  assert.equal(renderHistory([], true, PLAIN), "no failovers since the agent started");
});
