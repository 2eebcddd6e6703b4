// The tls-* directives (Redis 7.0's names and values), the sentinel-plane TLS settings, their
// SP_* overrides, and the combinations refused before start (tlsProblems).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyEnvOverrides } from "./env.js";
import { formatProblem } from "./errors.js";
import type { SentinelConfig } from "./model.js";
import { parseSentinelConf } from "./parse.js";
import { renderSentinelConf } from "./render.js";
import { tlsProblems } from "./tls-directives.js";
import { TLS_SETTINGS_DEFAULT } from "./tls-model.js";

const SOURCE = "sentinel.conf";

function config(text: string): SentinelConfig {
  const r = parseSentinelConf(text, { source: SOURCE });
  if (!r.ok) assert.fail(r.error.message);
  return r.value.config;
}

function problems(text: string): string[] {
  const r = parseSentinelConf(text, { source: SOURCE });
  if (r.ok) assert.fail(`expected ${JSON.stringify(text)} to be refused`);
  return r.error.errors.map(formatProblem);
}

const FULL = [
  "port 0",
  "tls-port 26380",
  "tls-cert-file /etc/sp/sentinel.crt",
  "tls-key-file /etc/sp/sentinel.key",
  "tls-key-file-pass secret",
  "tls-client-cert-file /etc/sp/client.crt",
  "tls-client-key-file /etc/sp/client.key",
  "tls-ca-cert-file /etc/sp/ca.crt",
  "tls-ca-cert-dir /etc/ssl/certs",
  "tls-auth-clients optional",
  'tls-protocols "TLSv1.2 TLSv1.3"',
  "tls-ciphers DEFAULT:!MEDIUM",
  "tls-ciphersuites TLS_AES_256_GCM_SHA384",
  "tls-prefer-server-ciphers yes",
  "tls-replication yes",
  "sentinel-plane rest-tls yes",
  "sentinel-plane nats-tls-ca-file /etc/sp/nats-ca.crt",
  "sentinel-plane nats-tls-cert-file /etc/sp/nats.crt",
  "sentinel-plane nats-tls-key-file /etc/sp/nats.key",
].join("\n");

void describe("tls-* directives", () => {
  void it("reads every honoured directive as Redis 7.0 spells it", () => {
    const c = config(`${FULL}\n`);
    assert.equal(c.server.port, 0);
    assert.deepEqual(c.tls, {
      ...TLS_SETTINGS_DEFAULT,
      port: 26380,
      cert_file: "/etc/sp/sentinel.crt",
      key_file: "/etc/sp/sentinel.key",
      key_file_pass: "secret",
      client_cert_file: "/etc/sp/client.crt",
      client_key_file: "/etc/sp/client.key",
      ca_cert_file: "/etc/sp/ca.crt",
      ca_cert_dir: "/etc/ssl/certs",
      auth_clients: "optional",
      protocols: ["TLSv1.2", "TLSv1.3"],
      ciphers: "DEFAULT:!MEDIUM",
      ciphersuites: "TLS_AES_256_GCM_SHA384",
      prefer_server_ciphers: true,
      replication: true,
      rest: true,
      nats_ca_file: "/etc/sp/nats-ca.crt",
      nats_cert_file: "/etc/sp/nats.crt",
      nats_key_file: "/etc/sp/nats.key",
    });
    assert.deepEqual(tlsProblems(c), []);
  });

  void it("keeps the TLS lines verbatim when the file is rewritten", () => {
    const text = `${FULL}\n`;
    const r = parseSentinelConf(text, { source: SOURCE });
    assert.ok(r.ok);
    const out = renderSentinelConf(r.value.document, r.value.config);
    for (const line of FULL.split("\n")) assert.ok(out.includes(`${line}\n`), line);
  });

  void it("notes the session-cache and cluster directives as without effect", () => {
    const r = parseSentinelConf("tls-session-caching no\ntls-cluster yes\n", { source: SOURCE });
    assert.ok(r.ok);
    assert.deepEqual(
      r.value.notes.map((n) => n.directive),
      ["tls-session-caching", "tls-cluster"],
    );
  });

  void it("refuses bad values with the line and the value", () => {
    assert.deepEqual(
      problems(
        [
          "tls-port 70000",
          "tls-auth-clients sometimes",
          'tls-protocols "TLSv1.2 SSLv3"',
          'tls-cert-file ""',
          "tls-replication maybe",
          "sentinel-plane rest-tls 1",
          "tls-port",
        ].join("\n"),
      ),
      [
        'sentinel.conf:1: tls-port: expected an integer from 0 to 65535, got "70000"',
        'sentinel.conf:2: tls-auth-clients: expected yes, no or optional, got "sometimes"',
        'sentinel.conf:3: tls-protocols: expected TLS versions among TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, got "SSLv3"',
        "sentinel.conf:4: tls-cert-file: expected a file path, got an empty string",
        'sentinel.conf:5: tls-replication: expected yes or no, got "maybe"',
        'sentinel.conf:6: sentinel-plane rest-tls: expected yes or no, got "1"',
        "sentinel.conf:7: tls-port: expected 1 argument (<port>), got 0",
      ],
    );
  });
});

void describe("tlsProblems", () => {
  const cases: readonly (readonly [string, string])[] = [
    ["port 0", "port 0 turns the plain port off: set tls-port, or the agent has no Sentinel port"],
    ["tls-port 26380\ntls-auth-clients no", "tls-port needs tls-cert-file and tls-key-file"],
    [
      "port 26380\ntls-port 26380\ntls-cert-file a\ntls-key-file b\ntls-auth-clients no",
      "tls-port 26380 is also the plain port: give them different numbers",
    ],
    ["sentinel-plane rest-tls yes", "sentinel-plane rest-tls yes needs tls-cert-file and tls-key-file"],
    [
      "tls-port 26380\ntls-cert-file a\ntls-key-file b",
      "tls-auth-clients yes needs tls-ca-cert-file or tls-ca-cert-dir (or tls-auth-clients no)",
    ],
    ["tls-replication yes", "tls-replication yes needs tls-ca-cert-file or tls-ca-cert-dir"],
    ["tls-client-cert-file a", "tls-client-cert-file and tls-client-key-file go together"],
    [
      "sentinel-plane nats-tls-key-file k",
      "sentinel-plane nats-tls-cert-file and nats-tls-key-file go together",
    ],
  ];
  for (const [text, expected] of cases) {
    void it(expected, () => {
      assert.deepEqual(tlsProblems(config(`${text}\n`)), [expected]);
    });
  }

  void it("accepts no TLS at all (the default)", () => {
    assert.deepEqual(tlsProblems(config("port 26379\n")), []);
  });
});

void describe("SP_* TLS overrides", () => {
  void it("apply over the file", () => {
    const r = applyEnvOverrides(config("port 26379\n"), {
      SP_TLS_PORT: "26380",
      SP_TLS_CERT_FILE: "/c.crt",
      SP_TLS_KEY_FILE: "/c.key",
      SP_TLS_CA_CERT_FILE: "/ca.crt",
      SP_TLS_AUTH_CLIENTS: "no",
      SP_TLS_REPLICATION: "yes",
      SP_REST_TLS: "yes",
      SP_NATS_TLS_CA_FILE: "/n-ca.crt",
      SP_NATS_TLS_CERT_FILE: "/n.crt",
      SP_NATS_TLS_KEY_FILE: "/n.key",
    });
    assert.ok(r.ok);
    const t = r.value.config.tls;
    assert.equal(t.port, 26380);
    assert.equal(t.auth_clients, "no");
    assert.equal(t.replication, true);
    assert.equal(t.rest, true);
    assert.equal(t.nats_key_file, "/n.key");
    assert.deepEqual(tlsProblems(r.value.config), []);
  });

  void it("refuse a bad value with the variable's name", () => {
    const r = applyEnvOverrides(config("port 26379\n"), { SP_TLS_AUTH_CLIENTS: "always" });
    assert.ok(!r.ok);
    assert.equal(r.error.code, "SP_ERR_CONFIG_INVALID");
    assert.match(r.error.message, /env: SP_TLS_AUTH_CLIENTS: expected yes, no or optional, got "always"/);
  });
});
