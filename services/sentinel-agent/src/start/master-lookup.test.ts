import { test } from "node:test";
import assert from "node:assert/strict";
import { initAgent, step } from "@sentinel-plane/core";
import type { AgentState } from "@sentinel-plane/core";
import { config, fixedRandom, masterInfo, PRIMARY, R1, R2, SETTINGS } from "@sentinel-plane/core/testing";
import type { MasterConfig } from "../config/index.js";
import { LocalMasterOptions } from "../local-master-options.js";
import { authForAddress, commandNameForAddress } from "./master-lookup.js";

const OTHER = { host: "10.0.1.1", port: 6380 };

function localOf(name: string, auth_pass: string, renamed_to: string): MasterConfig {
  return {
    name,
    auth_user: null,
    auth_pass,
    notification_script: null,
    client_reconfig_script: null,
    renamed_commands: [{ command: "PING", renamed_to }],
  } as unknown as MasterConfig;
}

/** Two masters; "mymaster" has learnt its replicas R1 and R2 from its primary's INFO. */
function twoMasters(): AgentState {
  const base = config();
  const state = initAgent(
    { ...base, masters: [...base.masters, { name: "other", address: OTHER, settings: SETTINGS }] },
    null,
    1_000_000,
  );
  const probe = step(state, { type: "tick", now_ms: 1_000_100 }, fixedRandom()).effects.find(
    (e) => e.type === "probe" && e.kind === "info" && e.target.host === PRIMARY.host,
  );
  assert.ok(probe?.type === "probe", "an INFO probe of the primary");
  return step(
    state,
    {
      type: "probe_result",
      now_ms: 1_000_200,
      probe_id: probe.probe_id,
      target: PRIMARY,
      result: { kind: "info", ok: true, info: masterInfo([R1, R2]) },
    },
    fixedRandom(),
  ).state;
}

const local = new LocalMasterOptions(
  { deny_scripts_reconfig: true, work_dir: "/", isExecutable: () => false },
  [localOf("mymaster", "pass-a", "PING-A"), localOf("other", "pass-b", "PING-B")],
);

void test("a primary and its replicas take their master's credentials and command names", () => {
  const state = twoMasters();
  for (const target of [PRIMARY, R1, R2]) {
    assert.deepEqual(authForAddress(local, state, target), { password: "pass-a" }, target.host);
    assert.equal(commandNameForAddress(local, state, target, "PING"), "PING-A");
  }
  assert.deepEqual(authForAddress(local, state, OTHER), { password: "pass-b" });
  assert.equal(commandNameForAddress(local, state, OTHER, "PING"), "PING-B");
});

void test("an address no master has: no credentials, the command's own name", () => {
  const state = twoMasters();
  const stranger = { host: R1.host, port: R1.port + 1 };
  assert.deepEqual(authForAddress(local, state, stranger), {});
  assert.equal(commandNameForAddress(local, state, stranger, "PING"), "PING");
});

void test("an address two masters share: the first master in monitoring order answers", () => {
  const base = config();
  const state = initAgent(
    { ...base, masters: [...base.masters, { name: "other", address: PRIMARY, settings: SETTINGS }] },
    null,
    1_000_000,
  );
  assert.deepEqual(authForAddress(local, state, PRIMARY), { password: "pass-a" });
});
