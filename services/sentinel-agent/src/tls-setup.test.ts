// setupAgentTls: the combinations and files checked at start, each a coded error naming the
// directive and the file; and which port the agent announces.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import type { SentinelConfig } from "./config/index.js";
import { parseSentinelConf } from "./config/index.js";
import { announcedSentinelPort, setupAgentTls } from "./tls-setup.js";

let dir = "";
let certs: ThrowawayCerts;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-tls-setup-"));
  certs = await makeThrowawayCerts(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function config(lines: readonly string[]): SentinelConfig {
  const r = parseSentinelConf(`${lines.join("\n")}\n`, { source: "sentinel.conf" });
  if (!r.ok) assert.fail(r.error.message);
  return r.value.config;
}

void describe("setupAgentTls", () => {
  void it("without TLS: nothing read, every link plain", () => {
    const r = setupAgentTls(config(["port 26379"]));
    assert.deepEqual(r, { ok: true, value: { resp: null, rest: null, redis: undefined, nats: undefined } });
  });

  void it("with every link: server options, REST without client certificates, client material", () => {
    const r = setupAgentTls(
      config([
        "tls-port 26380",
        `tls-cert-file ${certs.cert_file}`,
        `tls-key-file ${certs.key_file}`,
        `tls-ca-cert-file ${certs.ca_file}`,
        "tls-replication yes",
        "sentinel-plane rest-tls yes",
        `sentinel-plane nats-tls-ca-file ${certs.ca_file}`,
        `sentinel-plane nats-tls-cert-file ${certs.cert_file}`,
        `sentinel-plane nats-tls-key-file ${certs.key_file}`,
      ]),
    );
    if (!r.ok) assert.fail(r.error.message);
    const resp = r.value.resp;
    assert.ok(resp !== null);
    assert.equal(resp.port, 26380);
    assert.equal(resp.options.requestCert, true);
    assert.equal(resp.options.rejectUnauthorized, true);
    assert.equal(resp.options.minVersion, "TLSv1.2");
    assert.equal(r.value.rest?.requestCert, false);
    assert.match(r.value.redis?.cert ?? "", /BEGIN CERTIFICATE/);
    assert.equal(r.value.nats?.ca?.length, 1);
  });

  void it("refuses a missing certificate with SP_ERR_TLS_FILE naming the directive and the file", () => {
    const r = setupAgentTls(
      config([
        "tls-port 26380",
        `tls-cert-file ${join(dir, "missing.crt")}`,
        `tls-key-file ${certs.key_file}`,
        "tls-auth-clients no",
      ]),
    );
    assert.ok(!r.ok);
    assert.equal(r.error.code, "SP_ERR_TLS_FILE");
    assert.match(
      r.error.message,
      /^tls-cert-file \/ tls-key-file \/ tls-ca-cert-file: certificate file .*missing\.crt: cannot read/,
    );
  });

  void it("refuses a missing NATS CA naming the setting", () => {
    const r = setupAgentTls(config(["port 26379", "sentinel-plane nats-tls-ca-file /nonexistent/ca.crt"]));
    assert.ok(!r.ok);
    assert.equal(r.error.code, "SP_ERR_TLS_FILE");
    assert.match(r.error.message, /^sentinel-plane nats-tls-\*: CA file \/nonexistent\/ca\.crt: cannot read/);
  });

  void it("refuses combinations Redis refuses, as SP_ERR_CONFIG_INVALID", () => {
    const r = setupAgentTls(config(["tls-replication yes"]));
    assert.ok(!r.ok);
    assert.equal(r.error.code, "SP_ERR_CONFIG_INVALID");
    assert.match(r.error.message, /tls-replication yes needs tls-ca-cert-file or tls-ca-cert-dir/);
  });
});

void describe("announcedSentinelPort", () => {
  void it("is the plain port, or the TLS port with tls-replication or port 0 (Redis 7.0)", () => {
    assert.equal(announcedSentinelPort(config(["port 26379", "tls-port 26380"])), 26379);
    assert.equal(
      announcedSentinelPort(config(["port 26379", "tls-port 26380", "tls-replication yes"])),
      26380,
    );
    assert.equal(announcedSentinelPort(config(["port 0", "tls-port 26380"])), 26380);
  });
});
