// TlsReloader with a real TLS listener: the certificate replaced at the same path is served to
// new connections after `set`; a file that cannot be used leaves the served one unchanged.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { connect as tlsConnect, createServer } from "node:tls";
import type { Server } from "node:tls";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import type { SentinelConfig } from "./config/index.js";
import { parseSentinelConf } from "./config/index.js";
import { setupAgentTls } from "./tls-setup.js";
import { TlsReloader, withTlsParam } from "./tls-reload.js";

let dir = "";
let served: ThrowawayCerts;
/** A second CA and certificate, whose files replace the first ones. */
let next: ThrowawayCerts;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-tls-reload-"));
  await mkdir(join(dir, "a"));
  await mkdir(join(dir, "b"));
  served = await makeThrowawayCerts(join(dir, "a"));
  next = await makeThrowawayCerts(join(dir, "b"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(): SentinelConfig {
  const text = [
    "port 0",
    "tls-port 26380",
    `tls-cert-file ${served.cert_file}`,
    `tls-key-file ${served.key_file}`,
    `tls-ca-cert-file ${served.ca_file}`,
    "tls-auth-clients no",
    "",
  ].join("\n");
  const r = parseSentinelConf(text, { source: "sentinel.conf" });
  if (!r.ok) assert.fail(r.error.message);
  return r.value.config;
}

async function fingerprintServed(server: Server): Promise<string> {
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port: address.port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.on("error", reject);
  });
}

async function fingerprintOf(file: string): Promise<string> {
  return new X509Certificate(await readFile(file)).fingerprint256;
}

void test("withTlsParam changes one file setting; an empty value clears it", () => {
  const c = config();
  assert.equal(withTlsParam(c, "tls-cert-file", "/x.crt").tls.cert_file, "/x.crt");
  assert.equal(withTlsParam(c, "tls-ca-cert-dir", "/certs").tls.ca_cert_dir, "/certs");
  assert.equal(withTlsParam(c, "tls-key-file-pass", "").tls.key_file_pass, null);
  assert.equal(withTlsParam(c, "tls-key-file", "/k").tls.cert_file, served.cert_file);
});

void test("set: new connections get the replaced certificate; a bad file changes nothing", async (t) => {
  const c = config();
  const tls = setupAgentTls(c);
  if (!tls.ok || tls.value.resp === null) assert.fail("the start's TLS setup");
  const server = createServer(tls.value.resp.options, (socket) => {
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  );
  const applied: string[] = [];
  const reloader = new TlsReloader(c, {
    resp: (options) => {
      applied.push("resp");
      server.setSecureContext(options);
    },
    rest: () => applied.push("rest"),
  });
  const first = await fingerprintOf(served.cert_file);
  assert.equal(await fingerprintServed(server), first);

  // Replaced in place (certificate, key and CA), then set to the same path.
  await copyFile(next.cert_file, served.cert_file);
  await copyFile(next.key_file, served.key_file);
  await copyFile(next.ca_file, served.ca_file);
  assert.equal(await fingerprintServed(server), first, "nothing is read before set");
  const reloaded = reloader.set("tls-cert-file", served.cert_file);
  assert.ok(reloaded.ok);
  assert.deepEqual(applied, ["resp"], "no https REST in this config");
  const second = await fingerprintOf(served.cert_file);
  assert.notEqual(second, first);
  assert.equal(await fingerprintServed(server), second);

  // A missing file, and a certificate whose key is not the configured one: refused, coded.
  for (const bad of [join(dir, "missing.crt"), served.client_cert_file]) {
    const refused = reloader.set("tls-cert-file", bad);
    assert.ok(!refused.ok);
    assert.equal(refused.error.code, "SP_ERR_TLS_FILE");
  }
  assert.deepEqual(applied, ["resp"]);
  assert.equal(await fingerprintServed(server), second);
});
