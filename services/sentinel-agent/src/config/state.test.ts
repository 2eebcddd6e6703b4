import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PersistedState } from "@sentinel-plane/core";
import { parseSentinelConf } from "./parse.js";
import { applyPersistedState, configuredMasters, toPersistedState } from "./state.js";

const TEXT = [
  "sentinel myid 785d2afbb649dfcff20c2bf9c07f17c6a4f18e89",
  "sentinel monitor m 10.0.0.1 6379 2",
  "sentinel auth-pass m secret",
  "sentinel client-reconfig-script m /usr/local/bin/vip.sh",
  "sentinel-plane pre-promote-script m /usr/local/bin/fence.sh",
  "sentinel-plane pre-promote-timeout m 3000",
  "sentinel config-epoch m 2",
  "sentinel leader-epoch m 3",
  "sentinel known-replica m 10.0.0.2 6379",
  "sentinel known-sentinel m 10.0.0.4 26379 0123456789abcdef0123456789abcdef01234567",
  "sentinel monitor gone 10.0.9.1 6379 1",
  "sentinel current-epoch 3",
].join("\n");

function config() {
  const r = parseSentinelConf(TEXT, { source: "sentinel.conf" });
  if (!r.ok) assert.fail(r.error.message);
  return r.value.config;
}

void describe("config <-> core state", () => {
  void it("gives the core its masters and the persisted state from the file", () => {
    const c = config();
    assert.deepEqual(
      configuredMasters(c).map((m) => [m.name, m.address.host, m.settings.quorum]),
      [
        ["m", "10.0.0.1", 2],
        ["gone", "10.0.9.1", 1],
      ],
    );
    // The pre-promote hook goes to the core from the file only, never into persisted state.
    assert.deepEqual(
      configuredMasters(c).map((m) => m.pre_promote ?? null),
      [{ script: "/usr/local/bin/fence.sh", timeout_ms: 3000 }, null],
    );
    const s = toPersistedState(c);
    assert.equal(s.myid, "785d2afbb649dfcff20c2bf9c07f17c6a4f18e89");
    assert.equal(s.current_epoch, 3);
    assert.deepEqual(s.masters[0], {
      name: "m",
      address: { host: "10.0.0.1", port: 6379 },
      settings: c.masters[0]?.settings,
      config_epoch: 2,
      leader: null,
      leader_epoch: 3,
      replicas: [{ host: "10.0.0.2", port: 6379 }],
      agents: [
        { id: "0123456789abcdef0123456789abcdef01234567", announce: { host: "10.0.0.4", port: 26379 } },
      ],
    });
  });

  void it("refuses (as a programmer error) to build state without a myid", () => {
    const r = parseSentinelConf("", { source: "x" });
    if (!r.ok) assert.fail(r.error.message);
    assert.throws(() => toPersistedState(r.value.config), /no myid/);
  });

  void it("writes the core's state back, keeping what only the file knows", () => {
    const c = config();
    const before = toPersistedState(c);
    const m = before.masters[0];
    assert.ok(m);
    const after: PersistedState = {
      ...before,
      current_epoch: 4,
      masters: [
        {
          ...m,
          address: { host: "10.0.0.2", port: 6379 },
          config_epoch: 4,
          leader_epoch: 4,
          replicas: [{ host: "10.0.0.1", port: 6379 }],
        },
      ],
    };
    const updated = applyPersistedState(c, after);
    assert.equal(updated.current_epoch, 4);
    assert.deepEqual(
      updated.masters.map((x) => x.name),
      ["m"],
    );
    const u = updated.masters[0];
    assert.ok(u);
    assert.deepEqual(u.address, { host: "10.0.0.2", port: 6379 });
    assert.equal(u.auth_pass, "secret");
    assert.equal(u.client_reconfig_script, "/usr/local/bin/vip.sh");
    assert.equal(u.pre_promote_script, "/usr/local/bin/fence.sh");
    assert.equal(u.pre_promote_timeout_ms, 3000);
    assert.deepEqual(u.known_replicas, [{ host: "10.0.0.1", port: 6379 }]);
    assert.deepEqual(toPersistedState(updated), after);
  });
});
