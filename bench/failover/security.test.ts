import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionOptions, modeLabel, modeName, PLAIN, sentinelModeOptions } from "./security.js";
import type { SecurityMode } from "./security.js";

const material = { ca: ["CA"], cert: "CERT", key: "KEY" };
const files = { ca_file: "/c/ca.crt", cert_file: "/c/s.crt", key_file: "/c/s.key" };
const full: SecurityMode = { password: "pw", tls: { files, material } };

void test("plain mode adds nothing to any client", () => {
  assert.deepEqual(connectionOptions(PLAIN, "sentinel"), {});
  assert.deepEqual(connectionOptions(PLAIN, "redis"), {});
  assert.deepEqual(sentinelModeOptions(PLAIN), {});
  assert.equal(modeName(PLAIN), "plain");
});

void test("the password goes to Sentinel ports only; TLS to both", () => {
  const tls = { rejectUnauthorized: true, ca: ["CA"], cert: "CERT", key: "KEY" };
  assert.deepEqual(connectionOptions(full, "sentinel"), { password: "pw", tls });
  assert.deepEqual(connectionOptions(full, "redis"), { tls });
  assert.deepEqual(sentinelModeOptions(full), {
    sentinelPassword: "pw",
    enableTLSForSentinelMode: true,
    sentinelTLS: tls,
    tls,
  });
  assert.deepEqual(connectionOptions({ password: "pw", tls: null }, "redis"), {});
});

void test("the mode is named in result headers", () => {
  assert.equal(modeName(full), "auth+tls");
  assert.equal(modeName({ password: null, tls: { files, material } }), "tls");
  assert.match(modeLabel(full), /^auth\+tls: Sentinel-port password/);
  assert.match(modeLabel(PLAIN), /^plain: no Sentinel-port password; no TLS/);
});
