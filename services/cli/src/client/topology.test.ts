import assert from "node:assert/strict";
import { test } from "node:test";
import { masterFromResp, masterFromRest } from "./topology.js";
import { agentCount, renderMaster, summaryLine } from "../render/topology.js";

void test("REST answers map to the topology model", () => {
  const master = masterFromRest(
    {
      name: "mymaster",
      address: { host: "10.0.0.1", port: 6379 },
      config_epoch: 3,
      flags: ["master"],
      quorum: 2,
      failover: { state: "select_slave", epoch: 4 },
    },
    {
      replicas: [
        {
          address: { host: "10.0.0.2", port: 6379 },
          link_status: "up",
          offset: 100,
          lag_bytes: 5,
          lag_s: 0,
          priority: 100,
          flags: ["slave"],
        },
      ],
    },
    { agents: [{ id: "abc", address: { host: "10.0.0.9", port: 26379 }, self: true, last_seen_ms_ago: 0 }] },
  );
  assert.equal(master.address, "10.0.0.1:6379");
  assert.equal(master.failover_state, "select_slave");
  assert.equal(master.replicas[0]?.lag_bytes, 5);
  assert.equal(agentCount(master), 1);
  assert.match(
    summaryLine(master),
    /mymaster: primary 10\.0\.0\.1:6379 epoch 3 failover:select_slave \| replicas 10\.0\.0\.2:6379\(up,lag 5B\)/,
  );
  assert.match(renderMaster(master, null), /10\.0\.0\.2:6379\s+up\s+100\s+5 B \/ 0 s\s+100\s+slave/);
});

void test("Sentinel replies (flat arrays) map to the same model, unknowns stay null", () => {
  const master = masterFromResp(
    [
      "name",
      "mymaster",
      "ip",
      "127.0.0.1",
      "port",
      "7000",
      "flags",
      "master",
      "config-epoch",
      "1",
      "quorum",
      "2",
      "failover-state",
      "none",
    ],
    [
      [
        "ip",
        "127.0.0.1",
        "port",
        "7001",
        "flags",
        "slave",
        "master-link-status",
        "ok",
        "slave-repl-offset",
        "42",
        "slave-priority",
        "100",
      ],
    ],
    [["ip", "127.0.0.1", "port", "26380", "runid", "r1", "flags", "sentinel", "last-ok-ping-reply", "12"]],
  );
  assert.equal(master.address, "127.0.0.1:7000");
  assert.equal(master.failover_state, null);
  assert.deepEqual(master.replicas[0], {
    address: "127.0.0.1:7001",
    link_status: "up",
    offset: 42,
    lag_bytes: null,
    lag_s: null,
    priority: 100,
    flags: ["slave"],
  });
  assert.equal(agentCount(master), 2, "SENTINELS lists the others, not the one answering");
});
