import assert from "node:assert/strict";
import { test } from "node:test";
import { vipManagerMetricLines } from "./metrics.js";

void test("renders the snapshot as Prometheus text with one family per figure, labels escaped", () => {
  const lines = vipManagerMetricLines(
    {
      vips: [
        {
          master_name: 'my"master',
          vip: "10.0.0.50",
          interface: "eth0",
          held: true,
          command_failures: 2,
          address_conflicts: 1,
        },
      ],
      lease_age_s: 0.4,
      lease_s: 5,
      lease_lost: false,
      hook_failures: { client_reconfig: 1, notification: 0 },
    },
    true,
  );
  const samples = lines.filter((line) => !line.startsWith("#"));
  assert.deepEqual(samples, [
    "sp_vip_manager_nats_connected 1",
    'sp_vip_held{master="my\\"master",vip="10.0.0.50",interface="eth0"} 1',
    'sp_vip_command_failures_total{master="my\\"master",vip="10.0.0.50",interface="eth0"} 2',
    'sp_vip_address_conflicts_total{master="my\\"master",vip="10.0.0.50",interface="eth0"} 1',
    "sp_vip_manager_lease_age_seconds 0.4",
    "sp_vip_manager_lease_seconds 5",
    "sp_vip_manager_lease_lost 0",
    'sp_vip_manager_hook_failures_total{hook="client_reconfig"} 1',
    'sp_vip_manager_hook_failures_total{hook="notification"} 0',
  ]);
  const types = lines.filter((line) => line.startsWith("# TYPE"));
  assert.equal(types.length, 8);
});

void test("before the first contact the lease age is -1", () => {
  const lines = vipManagerMetricLines(
    {
      vips: [],
      lease_age_s: null,
      lease_s: 5,
      lease_lost: true,
      hook_failures: { client_reconfig: 0, notification: 0 },
    },
    false,
  );
  assert.ok(lines.includes("sp_vip_manager_lease_age_seconds -1"));
  assert.ok(lines.includes("sp_vip_manager_lease_lost 1"));
  assert.ok(lines.includes("sp_vip_manager_nats_connected 0"));
});
