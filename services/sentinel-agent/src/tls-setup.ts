// The agent's TLS links from its effective config: the Sentinel port's server options, REST's
// https options, the client material for the links to Redis (tls-replication) and to NATS. Every
// file is read here, once, at start: a bad one stops the start with SP_ERR_TLS_FILE naming the
// directive and the file, before any port opens.
import { readFileSync } from "node:fs";
import type { SecureVersion, TlsOptions } from "node:tls";
import { err, ok, spError } from "@sentinel-plane/protocol";
import type { Result, SpError } from "@sentinel-plane/protocol";
import { readTlsMaterial } from "@sentinel-plane/runtime";
import type { TlsMaterial } from "@sentinel-plane/runtime";
import type { SentinelConfig, TlsProtocolName, TlsSettings } from "./config/index.js";
import { tlsProblems } from "./config/index.js";

export interface AgentTls {
  /** The Sentinel port over TLS; null when tls-port is 0. */
  readonly resp: { readonly port: number; readonly options: TlsOptions } | null;
  /** REST over https; null when rest-tls is off. */
  readonly rest: TlsOptions | null;
  /** Towards the monitored Redis servers; undefined without tls-replication. */
  readonly redis: TlsMaterial | undefined;
  /** Towards NATS; undefined when no nats-tls-* is set. */
  readonly nats: TlsMaterial | undefined;
}

/**
 * A connection that has not finished its handshake by then is dropped (node's default is 120 s):
 * sockets still in their handshake are not yet counted against the Sentinel port's maxclients.
 */
export const TLS_HANDSHAKE_TIMEOUT_MS = 5000;

function failed(what: string, error: SpError): { ok: false; error: SpError } {
  return err(spError("SP_ERR_TLS_FILE", [`${what}: ${error.message}`], error));
}

/** Versions -> node's min/max (node takes a range; Redis a list, in practice contiguous). */
function versionRange(protocols: readonly TlsProtocolName[] | null): {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
} {
  const order: readonly TlsProtocolName[] = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
  const chosen = protocols ?? ["TLSv1.2", "TLSv1.3"]; // Redis' default
  const indexes = chosen.map((p) => order.indexOf(p)).sort((a, b) => a - b);
  const min = order[indexes[0] ?? 2] ?? "TLSv1.2";
  const max = order[indexes[indexes.length - 1] ?? 3] ?? "TLSv1.3";
  return { minVersion: min, maxVersion: max };
}

function serverOptions(t: TlsSettings, material: TlsMaterial, dhparam: string | null): TlsOptions {
  return {
    ...(material.ca === undefined ? {} : { ca: [...material.ca] }),
    ...(material.cert === undefined ? {} : { cert: material.cert }),
    ...(material.key === undefined ? {} : { key: material.key }),
    ...(material.passphrase === undefined ? {} : { passphrase: material.passphrase }),
    ...versionRange(t.protocols),
    ...(t.ciphers === null ? {} : { ciphers: t.ciphers }),
    ...(t.ciphersuites === null ? {} : { ciphersuites: t.ciphersuites }),
    ...(dhparam === null ? {} : { dhparam }),
    honorCipherOrder: t.prefer_server_ciphers,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
    // yes: a verified certificate is required; optional: checked when sent; no: not asked for.
    requestCert: t.auth_clients !== "no",
    rejectUnauthorized: t.auth_clients === "yes",
  };
}

/** Reads every configured file; checks the combinations first (tlsProblems). */
export function setupAgentTls(config: SentinelConfig): Result<AgentTls> {
  const problems = tlsProblems(config);
  if (problems.length > 0) return err(spError("SP_ERR_CONFIG_INVALID", [problems.join("; ")]));
  const t = config.tls;
  const needs_server = t.port !== 0 || t.rest;
  const server = needs_server
    ? readTlsMaterial({
        ca_file: t.ca_cert_file,
        ca_dir: t.ca_cert_dir,
        cert_file: t.cert_file,
        key_file: t.key_file,
        key_pass: t.key_file_pass,
      })
    : ok<TlsMaterial>({});
  if (!server.ok) return failed("tls-cert-file / tls-key-file / tls-ca-cert-file", server.error);
  let dhparam: string | null = null;
  if (t.dh_params_file !== null) {
    try {
      dhparam = readFileSync(t.dh_params_file, "utf8");
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      return err(spError("SP_ERR_TLS_FILE", [`tls-dh-params-file ${t.dh_params_file}: ${reason}`], cause));
    }
  }
  let redis: TlsMaterial | undefined;
  if (t.replication) {
    // Redis: the client certificate is tls-client-cert-file, else the server's tls-cert-file.
    const own = t.client_cert_file !== null;
    const read = readTlsMaterial({
      ca_file: t.ca_cert_file,
      ca_dir: t.ca_cert_dir,
      cert_file: own ? t.client_cert_file : t.cert_file,
      key_file: own ? t.client_key_file : t.key_file,
      key_pass: own ? t.client_key_file_pass : t.key_file_pass,
    });
    if (!read.ok) return failed("tls-replication (client certificate and CA)", read.error);
    redis = read.value;
  }
  let nats: TlsMaterial | undefined;
  if (t.nats_ca_file !== null || t.nats_cert_file !== null) {
    const read = readTlsMaterial({
      ca_file: t.nats_ca_file,
      cert_file: t.nats_cert_file,
      key_file: t.nats_key_file,
      key_pass: t.nats_key_file_pass,
    });
    if (!read.ok) return failed("sentinel-plane nats-tls-*", read.error);
    nats = read.value;
  }
  const options = serverOptions(t, server.value, dhparam);
  return ok({
    resp: t.port === 0 ? null : { port: t.port, options },
    // REST authorizes with bearer tokens; browsers and load balancers rarely hold a client
    // certificate: the server certificate only.
    rest: t.rest ? { ...options, requestCert: false, rejectUnauthorized: false } : null,
    redis,
    nats,
  });
}

/**
 * The Sentinel port other agents and clients are told (hello, SENTINEL SENTINELS), as Redis 7.0's
 * sentinelSendHello: the TLS port with tls-replication (or when there is no plain port).
 */
export function announcedSentinelPort(config: SentinelConfig): number {
  const t = config.tls;
  if (t.port !== 0 && (t.replication || config.server.port === 0)) return t.port;
  return config.server.port;
}
