import assert from "node:assert/strict";
import { test } from "node:test";
import {
  aboutMaster,
  firstTimedEvents,
  lastAckBefore_ms,
  missingFrom,
  outage_ms,
  speedup,
  switchedToPort,
  timeline,
} from "./figures.js";
import type { Ack, SeenEvent } from "./types.js";

const ev = (name: string, payload: string, t_ms: number, from_port = 1): SeenEvent => ({
  name,
  payload,
  t_ms,
  from_port,
});

void test("only the master's own events count", () => {
  assert.ok(aboutMaster(ev("+sdown", "master mymaster 127.0.0.1 7000", 0), "mymaster"));
  assert.ok(
    !aboutMaster(
      ev("+sdown", "slave 127.0.0.1:7000 127.0.0.1 7000 @ mymaster 127.0.0.1 7001", 0),
      "mymaster",
    ),
  );
  assert.ok(!aboutMaster(ev("+sdown", "master mymaster-1 127.0.0.1 7000", 0), "mymaster"));
  assert.ok(aboutMaster(ev("+switch-master", "mymaster 127.0.0.1 7000 127.0.0.1 7001", 0), "mymaster"));
  assert.ok(
    aboutMaster(
      ev("+promoted-slave", "slave 127.0.0.1:7001 127.0.0.1 7001 @ mymaster 127.0.0.1 7000", 0),
      "mymaster",
    ),
  );
});

void test("first timed events: earliest across sentinels, after the fault, relative to it", () => {
  const events = [
    ev("+sdown", "master mymaster 127.0.0.1 7000", 50), // before the fault: ignored
    ev("+sdown", "slave 127.0.0.1:7002 127.0.0.1 7002 @ mymaster 127.0.0.1 7000", 120),
    ev("+sdown", "master mymaster 127.0.0.1 7000", 1150, 2),
    ev("+sdown", "master mymaster 127.0.0.1 7000", 1160, 3),
    ev("+switch-master", "mymaster 127.0.0.1 7000 127.0.0.1 7001", 2300),
  ];
  assert.deepEqual(firstTimedEvents(events, 100, "mymaster"), { "+sdown": 1050, "+switch-master": 2200 });
  assert.deepEqual(timeline(events, 100), {
    "+sdown slave": 20,
    "+sdown master": 1050,
    "+switch-master": 2200,
  });
});

void test("outage: the first ack after the fault from the new primary's port", () => {
  const acks: Ack[] = [
    { key: "a", t_ms: 90, port: 7000 },
    { key: "b", t_ms: 101, port: 7000 }, // an in-flight reply of the old primary
    { key: "c", t_ms: 900, port: 7001 },
  ];
  assert.equal(outage_ms(acks, 100, 7001), 800);
  assert.ok(Number.isNaN(outage_ms(acks, 100, 7002)));
  assert.equal(lastAckBefore_ms(acks, 100), 10);
  assert.ok(Number.isNaN(lastAckBefore_ms(acks, 50)));
});

void test("missing keys and the parse of +switch-master", () => {
  assert.deepEqual(missingFrom(["a", "b", "c"], ["1", null, "1"]), ["b"]);
  assert.throws(() => missingFrom(["a"], []));
  assert.equal(switchedToPort("mymaster 127.0.0.1 7000 127.0.0.1 7001"), 7001);
  assert.ok(Number.isNaN(switchedToPort("mymaster")));
  assert.equal(speedup(1000, 2222), 2.222);
  assert.ok(Number.isNaN(speedup(0, 1)));
});
