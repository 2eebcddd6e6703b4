// The `tls-*` directives Redis 7.0 reads (config.c), applied to the agent's own links, plus
// `sentinel-plane rest-tls` / `nats-tls-*`, their SP_* overrides and the checks that need several
// of them together (tlsProblems: run on the effective config, after the environment).
import type { Directive, DirectiveContext } from "./directive.js";
import { arg, check } from "./directive.js";
import type { SentinelConfig } from "./model.js";
import type { TlsAuthClients, TlsProtocolName, TlsSettings } from "./tls-model.js";
import { TLS_PROTOCOL_NAMES } from "./tls-model.js";
import type { ValueResult } from "./values.js";
import { parseInteger, parseYesNo, shown } from "./values.js";

type TlsField = keyof TlsSettings;
type MutableTls = { -readonly [K in TlsField]: TlsSettings[K] };

function tlsOf(ctx: DirectiveContext): MutableTls {
  return ctx.draft.tls;
}

function directive(
  usage: string,
  arity: readonly [number, number],
  apply: (ctx: DirectiveContext) => void,
): Directive {
  return { kind: "global", arity, usage, apply };
}

export function parsePath(text: string): ValueResult<string> {
  return text === ""
    ? { ok: false, reason: "expected a file path, got an empty string" }
    : { ok: true, value: text };
}

/** Redis: tls-port 0 turns TLS off on the port. */
export function parseTlsPort(text: string): ValueResult<number> {
  return parseInteger(text, { min: 0, max: 65_535 });
}

export function parseAuthClients(text: string): ValueResult<TlsAuthClients> {
  const lower = text.toLowerCase();
  if (lower === "yes" || lower === "no" || lower === "optional") return { ok: true, value: lower };
  return { ok: false, reason: `expected yes, no or optional, got ${shown(text)}` };
}

/** Redis' tls-protocols: a space-separated list of versions, case-insensitive. */
export function parseProtocols(text: string): ValueResult<TlsProtocolName[]> {
  const words = text.split(/\s+/).filter((w) => w !== "");
  const out: TlsProtocolName[] = [];
  for (const w of words) {
    const known = TLS_PROTOCOL_NAMES.find((p) => p.toLowerCase() === w.toLowerCase());
    if (known === undefined) {
      return {
        ok: false,
        reason: `expected TLS versions among ${TLS_PROTOCOL_NAMES.join(", ")}, got ${shown(w)}`,
      };
    }
    if (!out.includes(known)) out.push(known);
  }
  if (out.length === 0) return { ok: false, reason: "expected at least one TLS version" };
  return { ok: true, value: out };
}

function parseText(text: string): ValueResult<string> {
  return text === ""
    ? { ok: false, reason: "expected a value, got an empty string" }
    : { ok: true, value: text };
}

function field<K extends TlsField>(
  usage: string,
  key: K,
  parse: (text: string) => ValueResult<TlsSettings[K]>,
): Directive {
  return directive(usage, [1, 1], (ctx) => {
    const v = check(ctx, parse(arg(ctx, 0)));
    if (v !== null) tlsOf(ctx)[key] = v;
  });
}

/** Plain `tls-*` directives the agent honours (Redis' names and values). */
export const TLS_HONOURED: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  ["tls-port", field("<port>", "port", parseTlsPort)],
  ["tls-cert-file", field("<path>", "cert_file", parsePath)],
  ["tls-key-file", field("<path>", "key_file", parsePath)],
  ["tls-key-file-pass", field("<passphrase>", "key_file_pass", parseText)],
  ["tls-client-cert-file", field("<path>", "client_cert_file", parsePath)],
  ["tls-client-key-file", field("<path>", "client_key_file", parsePath)],
  ["tls-client-key-file-pass", field("<passphrase>", "client_key_file_pass", parseText)],
  ["tls-ca-cert-file", field("<path>", "ca_cert_file", parsePath)],
  ["tls-ca-cert-dir", field("<path>", "ca_cert_dir", parsePath)],
  ["tls-auth-clients", field("yes|no|optional", "auth_clients", parseAuthClients)],
  ["tls-protocols", field('"TLSv1.2 TLSv1.3"', "protocols", parseProtocols)],
  ["tls-ciphers", field("<openssl cipher list>", "ciphers", parseText)],
  ["tls-ciphersuites", field("<openssl cipher suites>", "ciphersuites", parseText)],
  ["tls-prefer-server-ciphers", field("yes|no", "prefer_server_ciphers", parseYesNo)],
  ["tls-dh-params-file", field("<path>", "dh_params_file", parsePath)],
  ["tls-replication", field("yes|no", "replication", parseYesNo)],
]);

/** Accepted with no effect: why. */
export const TLS_IGNORED: ReadonlyMap<string, string> = new Map<string, string>([
  ["tls-cluster", "the agent is not part of a Redis Cluster"],
  ["tls-session-caching", "node's TLS session cache defaults apply"],
  ["tls-session-cache-size", "node's TLS session cache defaults apply"],
  ["tls-session-cache-timeout", "node's TLS session cache defaults apply"],
]);

/** `sentinel-plane <name>` settings for the links Redis has no directive for. */
export const TLS_PLANE_GLOBAL: ReadonlyMap<string, Directive> = new Map<string, Directive>([
  ["rest-tls", field("yes|no", "rest", parseYesNo)],
  ["nats-tls-ca-file", field("<path>", "nats_ca_file", parsePath)],
  ["nats-tls-cert-file", field("<path>", "nats_cert_file", parsePath)],
  ["nats-tls-key-file", field("<path>", "nats_key_file", parsePath)],
  ["nats-tls-key-file-pass", field("<passphrase>", "nats_key_file_pass", parseText)],
]);

/** SP_* variables over the TLS settings (env.ts applies them after its own). */
export const TLS_ENV: readonly (readonly [string, TlsField, (text: string) => ValueResult<unknown>])[] = [
  ["SP_TLS_PORT", "port", parseTlsPort],
  ["SP_TLS_CERT_FILE", "cert_file", parsePath],
  ["SP_TLS_KEY_FILE", "key_file", parsePath],
  ["SP_TLS_KEY_FILE_PASS", "key_file_pass", parseText],
  ["SP_TLS_CA_CERT_FILE", "ca_cert_file", parsePath],
  ["SP_TLS_AUTH_CLIENTS", "auth_clients", parseAuthClients],
  ["SP_TLS_REPLICATION", "replication", parseYesNo],
  ["SP_REST_TLS", "rest", parseYesNo],
  ["SP_NATS_TLS_CA_FILE", "nats_ca_file", parsePath],
  ["SP_NATS_TLS_CERT_FILE", "nats_cert_file", parsePath],
  ["SP_NATS_TLS_KEY_FILE", "nats_key_file", parsePath],
  ["SP_NATS_TLS_KEY_PASS", "nats_key_file_pass", parseText],
];

/**
 * What no single line can check: Redis 7.0 refuses the same combinations at start
 * (tlsConfigure: "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster,
 * tls-replication or tls-auth-clients are enabled!"). Each problem names the directives.
 */
export function tlsProblems(config: SentinelConfig): string[] {
  const t = config.tls;
  const problems: string[] = [];
  const port = config.server.port;
  const has_server_cert = t.cert_file !== null && t.key_file !== null;
  if (port === 0 && t.port === 0)
    problems.push("port 0 turns the plain port off: set tls-port, or the agent has no Sentinel port");
  if (t.port !== 0 && !has_server_cert) problems.push("tls-port needs tls-cert-file and tls-key-file");
  if (t.port !== 0 && t.port === port)
    problems.push(`tls-port ${t.port} is also the plain port: give them different numbers`);
  if (t.rest && !has_server_cert)
    problems.push("sentinel-plane rest-tls yes needs tls-cert-file and tls-key-file");
  const has_ca = t.ca_cert_file !== null || t.ca_cert_dir !== null;
  if (t.port !== 0 && t.auth_clients !== "no" && !has_ca) {
    problems.push(
      `tls-auth-clients ${t.auth_clients} needs tls-ca-cert-file or tls-ca-cert-dir (or tls-auth-clients no)`,
    );
  }
  if (t.replication && !has_ca)
    problems.push("tls-replication yes needs tls-ca-cert-file or tls-ca-cert-dir");
  if ((t.client_cert_file === null) !== (t.client_key_file === null)) {
    problems.push("tls-client-cert-file and tls-client-key-file go together");
  }
  if ((t.nats_cert_file === null) !== (t.nats_key_file === null)) {
    problems.push("sentinel-plane nats-tls-cert-file and nats-tls-key-file go together");
  }
  return problems;
}
