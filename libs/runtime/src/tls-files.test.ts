// Certificates from files: a throwaway CA made by openssl (tls-certs.ts), then every way a
// configured file can be wrong, each refused with SP_ERR_TLS_FILE naming the file.
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeThrowawayCerts } from "./tls-certs.js";
import type { ThrowawayCerts } from "./tls-certs.js";
import { readConfiguredTls, readTlsMaterial } from "./tls-files.js";

let dir = "";
let certs: ThrowawayCerts;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-tls-files-"));
  certs = await makeThrowawayCerts(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function refusal(result: ReturnType<typeof readTlsMaterial>): string {
  if (result.ok) assert.fail("expected a refusal");
  assert.equal(result.error.code, "SP_ERR_TLS_FILE");
  return result.error.message;
}

void describe("makeThrowawayCerts", () => {
  void it("writes the keys 0600", async () => {
    for (const key of [certs.key_file, certs.client_key_file, join(dir, "ca.key")]) {
      assert.equal((await stat(key)).mode & 0o777, 0o600, key);
    }
  });
});

void describe("readTlsMaterial", () => {
  void it("reads a CA, a certificate and its key", () => {
    const r = readTlsMaterial({
      ca_file: certs.ca_file,
      cert_file: certs.cert_file,
      key_file: certs.key_file,
    });
    assert.ok(r.ok);
    assert.equal(r.value.ca?.length, 1);
    assert.match(r.value.cert ?? "", /BEGIN CERTIFICATE/);
    assert.match(r.value.key ?? "", /BEGIN PRIVATE KEY/);
  });

  void it("reads every certificate of a CA directory", () => {
    const r = readTlsMaterial({ ca_dir: dir });
    assert.ok(r.ok);
    // ca.crt, sentinel-plane.crt and client.crt are certificates; the keys are not.
    assert.equal(r.value.ca?.length, 3);
  });

  void it("names a missing file", () => {
    assert.match(
      refusal(readTlsMaterial({ ca_file: join(dir, "nope.crt") })),
      /^CA file .*nope\.crt: cannot read: ENOENT/,
    );
  });

  void it("refuses a file that is not PEM", async () => {
    const junk = join(dir, "junk.pem");
    await writeFile(junk, "hello\n");
    assert.match(refusal(readTlsMaterial({ ca_file: junk })), /junk\.pem: not a PEM file/);
  });

  void it("refuses a certificate without its key", () => {
    assert.match(refusal(readTlsMaterial({ cert_file: certs.cert_file })), /a key file is needed too/);
  });

  void it("refuses a key that does not match the certificate", () => {
    assert.match(
      refusal(readTlsMaterial({ cert_file: certs.cert_file, key_file: certs.client_key_file })),
      /unusable: .*(key values mismatch|KEY_VALUES_MISMATCH)/i,
    );
  });

  void it("refuses an empty CA directory", async () => {
    const empty = await mkdtemp(join(dir, "empty-"));
    assert.match(refusal(readTlsMaterial({ ca_dir: empty })), /no PEM certificate in it/);
  });
});

void describe("readConfiguredTls", () => {
  void it("gives undefined for an absent section and prefixes where for a bad one", () => {
    const absent = readConfiguredTls(undefined, "node.json: /nats/tls");
    assert.deepEqual(absent, { ok: true, value: undefined });
    const bad = readConfiguredTls({ ca_file: "/nonexistent/ca.crt" }, "node.json: /nats/tls");
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, "SP_ERR_TLS_FILE");
    assert.match(bad.error.message, /^node\.json: \/nats\/tls: CA file \/nonexistent\/ca\.crt: cannot read/);
  });
});
