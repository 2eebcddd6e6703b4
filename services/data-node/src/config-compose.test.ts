// compose/config/data-node-N.json with the environment compose gives the Redis hosts
// (compose/docker-compose.yml, x-redis-host-env): each resolves to supervise mode (redis-server
// is the data-node's child, so a crash is seen at once) with the failsafe on (the three agents'
// REST addresses, the lease token from the environment). test/compose-config.test.ts checks that
// compose sets these variables and gives the agents the same token with the lease role.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "./config.js";

const COMPOSE_CONFIG = fileURLToPath(new URL("../../../compose/config/", import.meta.url));
const LEASE_TOKEN = "compose-lease-token-0123456789";
/** What compose sets (the NATS password is per host; any value will do here). */
const ENV = {
  SP_NATS_SERVERS: "nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222",
  SP_CLUSTER_ID: "compose",
  SP_REDIS_CONFIG_PATH: "/data/redis/redis.conf",
  SP_FAILSAFE_TOKEN: LEASE_TOKEN,
  SP_NATS_PASS: "a-nats-password",
};
/** The agents' addresses and REST port (compose/docker-compose.yml, config/sentinel.conf). */
const AGENTS = ["http://172.30.77.21:8080", "http://172.30.77.22:8080", "http://172.30.77.23:8080"];

for (const host of [1, 2, 3]) {
  void test(`compose's data-node-${host}.json: supervise mode, failsafe to the three agents`, () => {
    const path = `${COMPOSE_CONFIG}data-node-${host}.json`;
    const loaded = loadConfig(["--config", path], { ...ENV, SP_NATS_USER: `node-redis-${host}` });
    assert.ok(loaded.ok, loaded.ok ? "" : loaded.error.message);
    const config = loaded.value;
    assert.equal(config.node_id, `redis-${host}`);
    assert.equal(config.mode, "supervise");
    assert.equal(config.supervise?.redis_config_path, "/data/redis/redis.conf");
    assert.equal(config.supervise.redis_server_path, "/usr/bin/redis-server");
    // A restarted server takes no write until the control plane decides.
    assert.equal(config.supervise.start_fenced, true);
    assert.deepEqual(config.announce, { host: `172.30.77.1${host}`, port: 6379 });
    assert.deepEqual(config.failsafe?.agents, AGENTS);
    assert.equal(config.failsafe.token, LEASE_TOKEN);
    assert.equal(config.master_name, "mymaster");
  });
}

void test("compose's data-node files refuse to start without the lease token", () => {
  const loaded = loadConfig(["--config", `${COMPOSE_CONFIG}data-node-1.json`], {
    ...ENV,
    SP_FAILSAFE_TOKEN: undefined,
  });
  assert.equal(loaded.ok, false);
  assert.match(loaded.error.message, /failsafe/);
});
