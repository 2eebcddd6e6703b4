import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyEnvOverrides } from "./env.js";
import { formatProblem } from "./errors.js";
import type { SentinelConfig } from "./model.js";
import { parseSentinelConf } from "./parse.js";
import { renderSentinelConf } from "./render.js";

const TEXT = "port 26400\nsentinel-plane cluster-id from-file\nsentinel-plane rest-port 8081\n";

function fileConfig(): { config: SentinelConfig; render: (c: SentinelConfig) => string } {
  const r = parseSentinelConf(TEXT, { source: "sentinel.conf" });
  if (!r.ok) assert.fail(r.error.message);
  const document = r.value.document;
  return { config: r.value.config, render: (c) => renderSentinelConf(document, c) };
}

void describe("applyEnvOverrides", () => {
  void it("overrides the file's values with SP_* variables and lists which applied", () => {
    const { config } = fileConfig();
    const r = applyEnvOverrides(config, {
      SP_NATS_SERVERS: "nats://10.0.0.1:4222,nats://10.0.0.2:4222",
      SP_CLUSTER_ID: "c9",
      SP_REST_PORT: "9090",
      SP_SENTINEL_PORT: "26500",
      SP_NATS_USER: "u",
      SP_NATS_PASS: "p",
      SP_NATS_TOKEN: "t",
      SP_REST_TOKEN: "0123456789abcdef",
      SP_REST_RATE_LIMIT: "5000",
      SP_STATE_DIR: "/state",
      SP_TOPOLOGY_REPLICAS: "3",
      SP_ANNOUNCE_IP: "192.0.2.7",
      SP_ANNOUNCE_PORT: "36379",
      UNRELATED: "x",
    });
    if (!r.ok) assert.fail(r.error.message);
    const c = r.value.config;
    assert.deepEqual(c.plane, {
      nats_servers: ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"],
      nats_user: "u",
      nats_pass: "p",
      nats_token: "t",
      cluster_id: "c9",
      rest_port: 9090,
      rest_token: "0123456789abcdef",
      rest_rate_limit: 5000,
      state_dir: "/state",
      topology_replicas: 3,
      unauthenticated_timeout_s: 10,
    });
    assert.equal(c.server.port, 26500);
    assert.equal(c.announce_ip, "192.0.2.7");
    assert.equal(c.announce_port, 36379);
    assert.equal(r.value.applied.length, 13);
    assert.equal(config.plane.cluster_id, "from-file", "the file's model is not modified");
  });

  void it("leaves the file's values when variables are unset or empty", () => {
    const { config } = fileConfig();
    const r = applyEnvOverrides(config, { SP_CLUSTER_ID: "", SP_REST_PORT: undefined });
    if (!r.ok) assert.fail(r.error.message);
    assert.deepEqual(r.value.config, config);
    assert.deepEqual(r.value.applied, []);
  });

  void it("refuses bad values, naming each variable", () => {
    const { config } = fileConfig();
    const r = applyEnvOverrides(config, {
      SP_REST_PORT: "http",
      SP_CLUSTER_ID: "a b",
      SP_NATS_SERVERS: "localhost",
    });
    if (r.ok) assert.fail("expected the variables to be refused");
    assert.equal(r.error.code, "SP_ERR_CONFIG_INVALID");
    assert.deepEqual(r.error.errors.map(formatProblem), [
      'env: SP_NATS_SERVERS: expected a NATS URL like nats://127.0.0.1:4222, got "localhost"',
      'env: SP_CLUSTER_ID: expected 1-64 letters, digits, "-" or "_" (it becomes part of NATS subjects), got "a b"',
      'env: SP_REST_PORT: expected an integer from 1 to 65535, got "http"',
    ]);
  });

  void it("an override is not written into the file when the file model is rendered", () => {
    const { config, render } = fileConfig();
    const r = applyEnvOverrides(config, { SP_REST_PORT: "9090" });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(r.value.config.plane.rest_port, 9090);
    assert.match(render(config), /^sentinel-plane rest-port 8081$/m);
  });

  void it("SP_REQUIREPASS gives the Sentinel port its password (compose's secret)", () => {
    const { config } = fileConfig();
    const r = applyEnvOverrides(config, { SP_REQUIREPASS: "from-a-secret" });
    if (!r.ok) assert.fail(r.error.message);
    assert.equal(config.server.requirepass, null);
    assert.equal(r.value.config.server.requirepass, "from-a-secret");
    assert.deepEqual(r.value.applied, ["SP_REQUIREPASS"]);
  });
});
