// The data-node's TLS files (nats.tls, redis.tls, and their SP_* variables): read at start, a bad
// one refused with SP_ERR_TLS_FILE naming the config path and the file.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import { applyEnv, resolveConfig } from "./config.js";

const minimal = {
  node_id: "n1",
  cluster_id: "c1",
  nats: { servers: ["nats://127.0.0.1:4999"] },
  redis: { port: 7001 },
  mode: "attach",
  state_dir: "/tmp/x",
};

let dir = "";
let certs: ThrowawayCerts;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-dn-tls-"));
  certs = await makeThrowawayCerts(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void test("nats.tls and redis.tls are read into the config", () => {
  const files = { ca_file: certs.ca_file, cert_file: certs.cert_file, key_file: certs.key_file };
  const r = resolveConfig(
    { ...minimal, nats: { ...minimal.nats, tls: files }, redis: { port: 7001, tls: files } },
    "f.json",
  );
  if (!r.ok) assert.fail(r.error.message);
  assert.equal(r.value.nats.tls?.ca?.length, 1);
  assert.match(r.value.redis.tls?.key ?? "", /PRIVATE KEY/);
});

void test("SP_NATS_TLS_* and SP_REDIS_TLS_* fill the same fields", () => {
  const input = applyEnv(minimal, {
    SP_NATS_TLS_CA_FILE: certs.ca_file,
    SP_REDIS_TLS_CA_FILE: certs.ca_file,
    SP_REDIS_TLS_CERT_FILE: certs.client_cert_file,
    SP_REDIS_TLS_KEY_FILE: certs.client_key_file,
  });
  const r = resolveConfig(input, "env");
  if (!r.ok) assert.fail(r.error.message);
  assert.equal(r.value.nats.tls?.cert, undefined);
  assert.match(r.value.redis.tls?.cert ?? "", /BEGIN CERTIFICATE/);
});

void test("a missing file is refused with SP_ERR_TLS_FILE, the config path and the file", () => {
  const r = resolveConfig(
    { ...minimal, redis: { port: 7001, tls: { ca_file: join(dir, "nope.crt") } } },
    "f.json",
  );
  assert.ok(!r.ok);
  assert.equal(r.error.code, "SP_ERR_TLS_FILE");
  assert.match(r.error.message, /^f\.json: \/redis\/tls: CA file .*nope\.crt: cannot read: ENOENT/);
});

void test("an unknown field in a tls section is a schema error", () => {
  const r = resolveConfig({ ...minimal, nats: { ...minimal.nats, tls: { ca: "x" } } }, "f.json");
  assert.ok(!r.ok);
  assert.equal(r.error.code, "SP_ERR_CONFIG_INVALID");
  assert.match(r.error.message, /\/nats\/tls: must not have additional properties \(ca\)/);
});
