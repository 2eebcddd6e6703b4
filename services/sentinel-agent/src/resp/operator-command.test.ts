import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeSentinelView, fakeMasterView } from "./testing/fake-view.js";
import { operatorCommand } from "./operator-command.js";
import { OK } from "./reply.js";

function view(): FakeSentinelView {
  const v = new FakeSentinelView();
  v.addMaster({
    master: fakeMasterView("mymaster", "127.0.0.1", 16001),
    replicas: [],
    sentinels: [],
    address: { ip: "127.0.0.1", port: 16001 },
  });
  return v;
}

void test("SENTINEL PAUSE / RESUME / ACK-FAILOVER reach the view with the client's address", async () => {
  const v = view();
  const from = "10.1.2.3:5000";
  assert.deepEqual(await operatorCommand(v, "pause", ["SENTINEL", "PAUSE", "mymaster", "60000"], from), OK);
  assert.deepEqual(await operatorCommand(v, "resume", ["SENTINEL", "RESUME", "*"], from), OK);
  assert.deepEqual(
    await operatorCommand(v, "ack-failover", ["SENTINEL", "ACK-FAILOVER", "mymaster"], from),
    OK,
  );
  assert.deepEqual(v.calls, [
    "pause mymaster by=resp 10.1.2.3:5000",
    "resume * by=resp 10.1.2.3:5000",
    "ack-failover mymaster by=resp 10.1.2.3:5000",
  ]);
});

void test("SENTINEL PAUSE refuses a bad duration or name without asking the view", async () => {
  const v = view();
  const bad = await operatorCommand(v, "pause", ["SENTINEL", "PAUSE", "mymaster", "30m"], "x");
  assert.deepEqual(bad, { type: "error", value: "ERR Invalid pause duration '30m': milliseconds expected" });
  const unknown = await operatorCommand(v, "pause", ["SENTINEL", "PAUSE", "nope", "1000"], "x");
  assert.deepEqual(unknown, { type: "error", value: "ERR No such master with that name" });
  const star = await operatorCommand(v, "ack-failover", ["SENTINEL", "ACK-FAILOVER", "*"], "x");
  assert.equal(star.type, "error");
  assert.deepEqual(v.calls, []);
});
