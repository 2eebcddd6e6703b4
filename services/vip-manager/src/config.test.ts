import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyEnv, configPath, DEFAULTS, resolveConfig } from "./config.js";
import { NATS_DEFAULTS } from "@sentinel-plane/runtime";

const minimal = {
  cluster_id: "prod",
  nats: { servers: ["nats://10.0.0.1:4999"] },
  host_addresses: ["10.91.4.20:6888"],
  vips: [{ master_name: "mymaster", vip: "10.91.4.30", prefix_length: 24, interface: "mgt" }],
};

function failure(input: unknown): string {
  const result = resolveConfig(input, "f.json");
  assert.equal(result.ok, false);
  assert.equal(result.error.code, "SP_ERR_CONFIG_INVALID");
  return result.error.message;
}

void describe("vip-manager config", () => {
  void it("fills the defaults", () => {
    const result = resolveConfig(minimal, "f.json", "db1");
    assert.ok(result.ok);
    const c = result.value;
    assert.equal(c.host_name, "db1");
    assert.equal(c.lease_ms, DEFAULTS.lease_ms);
    assert.equal(c.reconcile_interval_ms, DEFAULTS.reconcile_interval_ms);
    assert.equal(c.release_on_shutdown, false);
    assert.equal(c.arping_path, "/usr/bin/arping");
    assert.equal(c.dad_probes, 3);
    assert.equal(c.dad_probe_wait_ms, 25);
    assert.deepEqual(c.command_prefix, []);
    assert.equal(c.hooks.client_reconfig_script, null);
    assert.equal(c.hooks.limits.scripts_running_max, 16);
    assert.equal(c.hooks.limits.script_retry_delay_ms, 30_000);
    assert.equal(c.nats.ping_interval_ms, NATS_DEFAULTS.ping_interval_ms);
  });

  void it("accepts hooks without any VIP", () => {
    const result = resolveConfig(
      {
        ...minimal,
        vips: [],
        host_addresses: [],
        hooks: { client_reconfig_script: "/etc/failover.sh", limits: { script_retry_delay_ms: 100 } },
      },
      "f.json",
    );
    assert.ok(result.ok);
    assert.equal(result.value.hooks.client_reconfig_script, "/etc/failover.sh");
    assert.equal(result.value.hooks.limits.script_retry_delay_ms, 100);
    assert.equal(result.value.hooks.limits.script_runs_max, 10);
  });

  void it("names the path and the reason of a bad field", () => {
    assert.equal(
      failure({ ...minimal, vips: [{ ...minimal.vips[0], prefix_length: 33 }] }),
      "invalid configuration: f.json: /vips/0/prefix_length: must be <= 32",
    );
    assert.match(failure({ ...minimal, lease_ms: "3s" }), /f\.json: \/lease_ms: must be integer/);
    assert.match(failure({ ...minimal, cluster_id: "a.b" }), /\/cluster_id: must match pattern/);
    assert.match(failure({ ...minimal, leas_ms: 1 }), /additional properties \(leas_ms\)/);
    assert.match(
      failure({ ...minimal, hooks: { client_reconfig_script: "failover.sh" } }),
      /\/hooks\/client_reconfig_script: must match pattern/,
    );
    assert.match(
      failure({ ...minimal, vips: [{ ...minimal.vips[0], interface: "-v" }] }),
      /\/vips\/0\/interface/,
    );
    assert.match(failure({ ...minimal, nats: {} }), /\/nats: must have required properties? servers/);
  });

  void it("refuses what the schema cannot express", () => {
    assert.equal(
      failure({ ...minimal, vips: [{ ...minimal.vips[0], vip: "10.91.4.300" }] }),
      'invalid configuration: f.json: /vips/0/vip: must be an IPv4 address ("10.91.4.300")',
    );
    assert.match(
      failure({ ...minimal, host_addresses: ["10.0.0.1:99999"] }),
      /\/host_addresses\/0: must be host, host:port/,
    );
    assert.match(
      failure({ ...minimal, host_addresses: [] }),
      /\/host_addresses: must not be empty when vips/,
    );
    assert.match(
      failure({ ...minimal, vips: [minimal.vips[0], { ...minimal.vips[0], vip: "10.91.4.31" }] }),
      /\/vips\/1\/master_name: a second VIP for mymaster/,
    );
    assert.equal(
      failure({ ...minimal, lease_ms: 1000, reconcile_interval_ms: 500, kv_timeout_ms: 500 }),
      "invalid configuration: f.json: /lease_ms: must be >= 2 x reconcile_interval_ms + kv_timeout_ms (1500), got 1000",
    );
    assert.match(
      failure({ ...minimal, command_timeout_ms: 100, dad_probes: 3, dad_probe_wait_ms: 80 }),
      /\/dad_probe_wait_ms: the duplicate address probes listen 100 ms, which must be less than command_timeout_ms \(100\)/,
    );
    assert.match(
      failure({ ...minimal, hooks: { limits: { scripts_running_max: 8, scripts_queue_max: 8 } } }),
      /\/hooks\/limits\/scripts_queue_max: must exceed scripts_running_max/,
    );
  });

  void it("applies env overrides over the file and finds the file", () => {
    const out = applyEnv(minimal, {
      SP_NATS_SERVERS: "nats://a:1, nats://b:2",
      SP_LEASE_MS: "5000",
      SP_HOST_ADDRESSES: "10.0.0.9",
      SP_CLIENT_RECONFIG_SCRIPT: "/x.sh",
    });
    const result = resolveConfig(out, "f.json");
    assert.ok(result.ok);
    assert.deepEqual(result.value.nats.servers, ["nats://a:1", "nats://b:2"]);
    assert.equal(result.value.lease_ms, 5000);
    assert.deepEqual(result.value.host_addresses, ["10.0.0.9"]);
    assert.equal(result.value.hooks.client_reconfig_script, "/x.sh");
    assert.deepEqual(minimal.host_addresses, ["10.91.4.20:6888"], "the input is not modified");
    assert.equal(configPath(["--config", "a.json"], {}), "a.json");
    assert.equal(configPath(["--config=b.json"], {}), "b.json");
    assert.equal(configPath([], { SP_VIP_MANAGER_CONFIG: "c.json" }), "c.json");
    assert.equal(configPath([], {}), null);
  });
});
