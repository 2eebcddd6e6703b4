import assert from "node:assert/strict";
import { test } from "node:test";
import { applyEnv, configPath, DEFAULTS, resolveConfig } from "./config.js";

const minimal = {
  node_id: "n1",
  cluster_id: "c1",
  nats: { servers: ["nats://127.0.0.1:4999"] },
  redis: { port: 7001 },
  mode: "attach",
  state_dir: "/tmp/x",
};

function failure(input: unknown): string {
  const result = resolveConfig(input, "f.json");
  assert.equal(result.ok, false);
  assert.equal(result.error.code, "SP_ERR_CONFIG_INVALID");
  return result.error.message;
}

void test("defaults are applied", () => {
  const result = resolveConfig(minimal, "f.json");
  assert.ok(result.ok);
  assert.equal(result.value.report_interval_ms, DEFAULTS.report_interval_ms);
  assert.equal(result.value.redis.host, "127.0.0.1");
  assert.deepEqual(result.value.announce, { host: "127.0.0.1", port: 7001 });
  assert.equal(result.value.supervise, null);
});

void test("a bad config names the path and the reason", () => {
  assert.equal(
    failure({ ...minimal, redis: { port: 70000 } }),
    "invalid configuration: f.json: /redis/port: must be <= 65535",
  );
  assert.match(failure({ ...minimal, node_id: "a.b" }), /f\.json: \/node_id: must match pattern/);
  assert.match(failure({ ...minimal, mode: "supervise" }), /\/redis_config_path: required/);
  assert.match(failure({ ...minimal, typo: 1 }), /additional properties \(typo\)/);
  assert.match(
    failure({ ...minimal, probe_timeout_ms: 5000 }),
    /\/probe_timeout_ms: must be <= command_timeout_ms/,
  );
});

void test("env overrides the file", () => {
  const merged = applyEnv(minimal, {
    SP_REDIS_PORT: "7002",
    SP_NATS_SERVERS: "nats://a:1, nats://b:2",
    SP_NODE_ID: "n2",
    SP_REDIS_PASSWORD: "pw",
  });
  const result = resolveConfig(merged, "env");
  assert.ok(result.ok);
  assert.equal(result.value.redis.port, 7002);
  assert.equal(result.value.redis.password, "pw");
  assert.equal(result.value.node_id, "n2");
  assert.deepEqual(result.value.nats.servers, ["nats://a:1", "nats://b:2"]);
  assert.match(failure(applyEnv(minimal, { SP_REDIS_PORT: "abc" })), /\/redis\/port: must be integer/);
  assert.equal(configPath(["--config", "a.json"], {}), "a.json");
  assert.equal(configPath(["--config=b.json"], {}), "b.json");
  assert.equal(configPath([], { SP_DATA_NODE_CONFIG: "c.json" }), "c.json");
});
