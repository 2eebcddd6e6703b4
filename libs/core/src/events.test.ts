import { test } from "node:test";
import assert from "node:assert/strict";
import { EVENTS, formatEventLine, makeEvent } from "./events.js";

const SENTINEL_NAMES =
  `+monitor -monitor +set +reset-master +slave +sentinel -dup-sentinel +sdown -sdown +odown
-odown +new-epoch +try-failover +vote-for-leader +elected-leader -failover-abort-not-elected
+failover-state-select-slave +selected-slave -failover-abort-no-good-slave
+failover-state-send-slaveof-noone +failover-state-wait-promotion -failover-abort-slave-timeout
+promoted-slave +failover-state-reconf-slaves +slave-reconf-sent +slave-reconf-sent-timeout
+slave-reconf-inprog +slave-reconf-done +failover-end-for-timeout +failover-end +switch-master
+failover-detected +config-update-from +convert-to-slave +fix-slave-config +role-change -role-change
+reboot +tilt -tilt -script-error -script-timeout`.split(/\s+/);

void test("every Sentinel event name is in the one table", () => {
  for (const name of SENTINEL_NAMES) assert.ok(name in EVENTS, name);
  for (const [name, spec] of Object.entries(EVENTS)) {
    const ours = "ours" in spec;
    assert.equal(SENTINEL_NAMES.includes(name), !ours, `${name}: ours flag`);
  }
});

void test("payloads are Sentinel's", () => {
  const master = { type: "master", name: "mymaster", address: { host: "127.0.0.1", port: 6379 } } as const;
  const m = { name: "mymaster", address: { host: "127.0.0.1", port: 6379 } };
  assert.equal(
    makeEvent("+odown", "mymaster", 1, master, [2, 2]).text,
    "master mymaster 127.0.0.1 6379 #quorum 2/2",
  );
  const slave = {
    type: "slave",
    name: "10.0.0.2:6380",
    address: { host: "10.0.0.2", port: 6380 },
    master: m,
  } as const;
  assert.equal(
    formatEventLine(makeEvent("+slave", "mymaster", 0, slave)),
    "* +slave slave 10.0.0.2:6380 10.0.0.2 6380 @ mymaster 127.0.0.1 6379",
  );
  assert.equal(
    makeEvent("+switch-master", "mymaster", 1, null, ["mymaster", "127.0.0.1", 6379, "10.0.0.2", 6380]).text,
    "mymaster 127.0.0.1 6379 10.0.0.2 6380",
  );
  assert.equal(formatEventLine(makeEvent("+tilt", null, 0, null)), "# +tilt #tilt mode entered");
  assert.equal(makeEvent("+vote-for-leader", "mymaster", 3, null, ["abc", 3]).text, "abc 3");
  assert.throws(() => makeEvent("+odown", "mymaster", 1, master, [2]));
  assert.throws(() => makeEvent("+sdown", "mymaster", 1, null));
});
