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

void test("supervise: the Redis watchdog is on by default, off on request", () => {
  const supervised = { ...minimal, mode: "supervise", redis_config_path: "/etc/redis.conf" };
  const on = resolveConfig(supervised, "f.json");
  assert.ok(on.ok);
  assert.equal(on.value.supervise?.watchdog, "on");
  const off = resolveConfig({ ...supervised, watchdog: "off" }, "f.json");
  assert.ok(off.ok);
  assert.equal(off.value.supervise?.watchdog, "off");
  assert.ok(resolveConfig({ ...minimal, watchdog: "off" }, "f.json").ok, "off in attach mode says what is");
});

void test("a bad config names the path and the reason", () => {
  assert.equal(
    failure({ ...minimal, redis: { port: 70000 } }),
    "invalid configuration: f.json: /redis/port: must be <= 65535",
  );
  assert.match(failure({ ...minimal, node_id: "a.b" }), /f\.json: \/node_id: must match pattern/);
  assert.match(failure({ ...minimal, mode: "supervise" }), /\/redis_config_path: required/);
  assert.match(failure({ ...minimal, typo: 1 }), /additional properties \(typo\)/);
  assert.match(failure({ ...minimal, watchdog: "yes" }), /\/watchdog: /);
  assert.match(failure({ ...minimal, watchdog: "on" }), /\/watchdog: "on" needs mode "supervise"/);
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

void test("self-fencing settings: defaults, off with 0, hang below the command timeout, env", () => {
  const defaults = resolveConfig(minimal, "f.json");
  assert.ok(defaults.ok);
  assert.equal(defaults.value.master_name, null);
  assert.equal(defaults.value.hang_fence_after_ms, DEFAULTS.hang_fence_after_ms);
  assert.equal(defaults.value.lease_ms, DEFAULTS.lease_ms);
  const off = resolveConfig(
    { ...minimal, hang_fence_after_ms: 0, lease_ms: 0, master_name: "mymaster" },
    "f",
  );
  assert.ok(off.ok);
  assert.equal(off.value.hang_fence_after_ms, 0);
  assert.equal(off.value.lease_ms, 0);
  assert.equal(off.value.master_name, "mymaster");
  assert.match(
    failure({ ...minimal, hang_fence_after_ms: 2000 }),
    /\/hang_fence_after_ms: must be < command_timeout_ms \(2000\)/,
  );
  assert.match(failure({ ...minimal, lease_ms: -1 }), /\/lease_ms: must be >= 0/);
  assert.match(failure({ ...minimal, master_name: "" }), /\/master_name/);
  const env = resolveConfig(
    applyEnv(minimal, { SP_MASTER_NAME: "m2", SP_LEASE_MS: "300", SP_HANG_FENCE_AFTER_MS: "400" }),
    "env",
  );
  assert.ok(env.ok);
  assert.equal(env.value.master_name, "m2");
  assert.equal(env.value.lease_ms, 300);
  assert.equal(env.value.hang_fence_after_ms, 400);
});

void test("supervise restarts by default with back-off and a crash-loop limit; a cap below the first delay is refused", () => {
  const supervise = { ...minimal, mode: "supervise", redis_config_path: "/etc/redis.conf" };
  const result = resolveConfig(supervise, "f.json");
  assert.ok(result.ok);
  assert.equal(result.value.supervise?.restart_on_exit, true);
  assert.equal(result.value.supervise.restart_delay_ms, DEFAULTS.restart_delay_ms);
  assert.equal(result.value.supervise.restart_backoff_max_ms, DEFAULTS.restart_backoff_max_ms);
  assert.equal(result.value.supervise.crash_loop_max, DEFAULTS.crash_loop_max);
  assert.match(
    failure({ ...supervise, restart_delay_ms: 5000, restart_backoff_max_ms: 1000 }),
    /\/restart_backoff_max_ms: must be >= restart_delay_ms \(5000\)/,
  );
  assert.match(failure({ ...supervise, crash_loop_max: 0 }), /\/crash_loop_max: must be >= 1/);
});

void test("failsafe: off without agents, on with them (timeout lease_ms / 2), off with enabled false, env", () => {
  const none = resolveConfig(minimal, "f.json");
  assert.ok(none.ok);
  assert.equal(none.value.failsafe, null);
  const failsafe = {
    agents: ["http://10.0.0.1:8080", "http://10.0.0.2:8080"],
    token: "lease-token-0123456789",
  };
  const on = resolveConfig({ ...minimal, lease_ms: 400, failsafe }, "f.json");
  assert.ok(on.ok);
  assert.deepEqual(on.value.failsafe, { ...failsafe, timeout_ms: 200 });
  const off = resolveConfig({ ...minimal, failsafe: { ...failsafe, enabled: false } }, "f.json");
  assert.ok(off.ok);
  assert.equal(off.value.failsafe, null);
  assert.match(
    failure({ ...minimal, failsafe: { ...failsafe, agents: ["10.0.0.1:8080"] } }),
    /failsafe\/agents/,
  );
  assert.match(failure({ ...minimal, failsafe: { ...failsafe, token: "short" } }), /failsafe\/token/);
  const env = applyEnv(minimal, {
    SP_FAILSAFE_AGENTS: "http://a:1, http://b:2",
    SP_FAILSAFE_TOKEN: "lease-token-0123456789",
  });
  const from_env = resolveConfig(env, "env");
  assert.ok(from_env.ok);
  assert.deepEqual(from_env.value.failsafe?.agents, ["http://a:1", "http://b:2"]);
});

void test("a planned stop waits longer than Redis's default shutdown-timeout (10 s) before SIGKILL", () => {
  const supervise = { ...minimal, mode: "supervise", redis_config_path: "/etc/redis.conf" };
  const result = resolveConfig(supervise, "f.json");
  assert.ok(result.ok);
  const REDIS_SHUTDOWN_TIMEOUT_DEFAULT_MS = 10_000;
  assert.ok((result.value.supervise?.stop_grace_ms ?? 0) > REDIS_SHUTDOWN_TIMEOUT_DEFAULT_MS);
  const set = resolveConfig({ ...supervise, stop_grace_ms: 3000 }, "f.json");
  assert.ok(set.ok);
  assert.equal(set.value.supervise?.stop_grace_ms, 3000);
});
