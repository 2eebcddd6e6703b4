// The vip-manager's NATS TLS files (nats.tls, SP_NATS_TLS_*): read at start, a bad one refused
// with SP_ERR_TLS_FILE naming the config path and the file.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import { applyEnv, resolveConfig } from "./config.js";

const minimal = {
  cluster_id: "prod",
  nats: { servers: ["nats://10.0.0.1:4999"] },
  host_addresses: ["10.91.4.20:6888"],
  vips: [],
};

let dir = "";
let certs: ThrowawayCerts;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-vip-tls-"));
  certs = await makeThrowawayCerts(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

void test("SP_NATS_TLS_* give the vip-manager its CA and client certificate", () => {
  const input = applyEnv(minimal, {
    SP_NATS_TLS_CA_FILE: certs.ca_file,
    SP_NATS_TLS_CERT_FILE: certs.cert_file,
    SP_NATS_TLS_KEY_FILE: certs.key_file,
  });
  const r = resolveConfig(input, "env");
  if (!r.ok) assert.fail(r.error.message);
  const tls = r.value.nats.tls;
  assert.ok(tls !== undefined);
  assert.equal(tls.ca?.length, 1);
  assert.match(tls.cert ?? "", /BEGIN CERTIFICATE/);
});

void test("a key without its certificate is refused with SP_ERR_TLS_FILE", () => {
  const r = resolveConfig(
    { ...minimal, nats: { ...minimal.nats, tls: { key_file: certs.key_file } } },
    "f.json",
  );
  assert.ok(!r.ok);
  assert.equal(r.error.code, "SP_ERR_TLS_FILE");
  assert.match(r.error.message, /^f\.json: \/nats\/tls: a certificate file is needed too/);
});
