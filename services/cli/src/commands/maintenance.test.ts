import assert from "node:assert/strict";
import { test } from "node:test";
import { operatorLine } from "../client/topology.js";
import { CliError } from "../errors.js";
import { parseFor, targetOf } from "./maintenance.js";

void test("--for takes 90s, 30m, 2h, 1d; anything else is a usage error", () => {
  assert.equal(parseFor("90s"), 90_000);
  assert.equal(parseFor("30m"), 1_800_000);
  assert.equal(parseFor("1d"), 86_400_000);
  for (const bad of ["30", "1.5h", "soon", ""]) assert.throws(() => parseFor(bad), CliError, bad);
});

void test("one master or --all, not both, not neither", () => {
  assert.equal(targetOf("mymaster", false), "mymaster");
  assert.equal(targetOf(undefined, true), "*");
  assert.throws(() => targetOf("mymaster", true), CliError);
  assert.throws(() => targetOf(undefined, false), CliError);
});

void test("status shows a pause and an anti-flapping block from the REST master view", () => {
  assert.equal(operatorLine({ paused: false, failover_blocked_until_unix_ms: null }), null);
  assert.equal(operatorLine(undefined), null, "an agent that does not say");
  assert.equal(
    operatorLine({
      paused: true,
      pause: { until_unix_ms: 1_780_000_000_000, by: "rest token:0a1b2c3d 10.0.0.9 cli ops@h1" },
      failover_blocked_until_unix_ms: 1_780_000_600_000,
    }),
    "PAUSED until 2026-05-28T20:26:40Z by rest token:0a1b2c3d 10.0.0.9 cli ops@h1; " +
      "automatic failover blocked (anti-flapping) until 2026-05-28T20:36:40Z",
  );
});
