// TLS settings of an agent: Redis 7.0's `tls-*` directives (for the Sentinel port and the links
// to the monitored servers) and our own `sentinel-plane rest-tls` / `nats-tls-*` for the other
// links. Paths only: the files are read at start (services/sentinel-agent/src/tls-setup.ts).

/** Redis' tls-auth-clients: a client certificate is required, not asked for, or checked if sent. */
export type TlsAuthClients = "yes" | "no" | "optional";

/** Versions Redis' tls-protocols accepts (config.c), in node's spelling. */
export const TLS_PROTOCOL_NAMES = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"] as const;
export type TlsProtocolName = (typeof TLS_PROTOCOL_NAMES)[number];

export interface TlsSettings {
  /** The Sentinel port over TLS; 0 = off (Redis' default). */
  readonly port: number;
  readonly cert_file: string | null;
  readonly key_file: string | null;
  readonly key_file_pass: string | null;
  /** Certificate for outgoing links (to Redis); null: cert_file is used, as Redis does. */
  readonly client_cert_file: string | null;
  readonly client_key_file: string | null;
  readonly client_key_file_pass: string | null;
  readonly ca_cert_file: string | null;
  readonly ca_cert_dir: string | null;
  readonly auth_clients: TlsAuthClients;
  /** null: Redis' default (TLSv1.2 and TLSv1.3). */
  readonly protocols: readonly TlsProtocolName[] | null;
  /** OpenSSL cipher list (TLSv1.2 and below); null: node's default. */
  readonly ciphers: string | null;
  /** TLSv1.3 cipher suites; null: node's default. */
  readonly ciphersuites: string | null;
  readonly prefer_server_ciphers: boolean;
  readonly dh_params_file: string | null;
  /** tls-replication: the agent's links to the monitored Redis servers use TLS. */
  readonly replication: boolean;
  /** sentinel-plane rest-tls: REST (and the console) over https with cert_file / key_file. */
  readonly rest: boolean;
  /** sentinel-plane nats-tls-*: CA, client certificate and key towards NATS. */
  readonly nats_ca_file: string | null;
  readonly nats_cert_file: string | null;
  readonly nats_key_file: string | null;
  readonly nats_key_file_pass: string | null;
}

/**
 * The TLS files `SENTINEL CONFIG SET` may change at run time (tls-reload.ts, as Redis' CONFIG SET
 * tls-*): their lines belong to the rewrite (render.ts), so a new path stays after a restart.
 */
export const TLS_RUNTIME_FILES = [
  "tls-cert-file",
  "tls-key-file",
  "tls-key-file-pass",
  "tls-ca-cert-file",
  "tls-ca-cert-dir",
] as const;
export type TlsRuntimeFile = (typeof TLS_RUNTIME_FILES)[number];

export const TLS_SETTINGS_DEFAULT: TlsSettings = {
  port: 0,
  cert_file: null,
  key_file: null,
  key_file_pass: null,
  client_cert_file: null,
  client_key_file: null,
  client_key_file_pass: null,
  ca_cert_file: null,
  ca_cert_dir: null,
  auth_clients: "yes",
  protocols: null,
  ciphers: null,
  ciphersuites: null,
  prefer_server_ciphers: false,
  dh_params_file: null,
  replication: false,
  rest: false,
  nats_ca_file: null,
  nats_cert_file: null,
  nats_key_file: null,
  nats_key_file_pass: null,
};
