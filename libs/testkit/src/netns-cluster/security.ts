// Everything a namespace cluster needs to run with its security on (issue 14): a throwaway CA
// whose service certificate names every lab address, a NATS user per process with its role's
// permissions (libs/protocol nats-auth.ts), the Sentinel port's users (requirepass for the
// default user, a read-only and an operate user) and REST tokens of two roles. Pure apart from
// the certificates, which openssl writes.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { natsPermissions, natsUser, renderNatsAuthorization } from "@sentinel-plane/protocol";
import type { NatsIdentity, NatsUserEntry } from "@sentinel-plane/protocol";
import { makeThrowawayCerts } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";

export interface LabCredential {
  readonly user: string;
  readonly pass: string;
}

export interface LabSecurity {
  readonly certs: ThrowawayCerts;
  /** The NATS user of each identity, by `natsUser(identity)`. */
  readonly nats_users: ReadonlyMap<string, LabCredential>;
  readonly nats_entries: readonly NatsUserEntry[];
  /** The default user's password (`requirepass`): every command (admin). */
  readonly sentinel_admin_pass: string;
  /** `user <name> on ><pass> +@sp-read`. */
  readonly sentinel_read: LabCredential;
  /** `user <name> on ><pass> +@sp-operate`. */
  readonly sentinel_operate: LabCredential;
  readonly rest_admin_token: string;
  readonly rest_operate_token: string;
}

/** The NATS identity of the tap that relays events to the test (read-only, events only). */
export const TAP_IDENTITY: NatsIdentity = { role: "observer", id: "tap" };

function secret(): string {
  return randomBytes(18).toString("base64url");
}

/** Certificates (SAN: the lab addresses and loopback) and credentials for these identities. */
export async function makeLabSecurity(input: {
  readonly dir: string;
  readonly cluster_id: string;
  readonly addresses: readonly string[];
  readonly identities: readonly NatsIdentity[];
}): Promise<LabSecurity> {
  const tls_dir = join(input.dir, "tls");
  mkdirSync(tls_dir, { mode: 0o700 });
  // `localhost` too: nats.js upgrades its socket to TLS without a server name when the URL holds
  // an IP address, and Node then checks the certificate against "localhost".
  const certs = await makeThrowawayCerts(tls_dir, {
    hosts: [...input.addresses, "127.0.0.1", "localhost"],
  });
  const nats_users = new Map<string, LabCredential>();
  const nats_entries: NatsUserEntry[] = [];
  for (const identity of [...input.identities, TAP_IDENTITY]) {
    const user = natsUser(identity);
    const pass = secret();
    nats_users.set(user, { user, pass });
    nats_entries.push({ user, password: pass, permissions: natsPermissions(input.cluster_id, identity) });
  }
  return {
    certs,
    nats_users,
    nats_entries,
    sentinel_admin_pass: secret(),
    sentinel_read: { user: "monitoring", pass: secret() },
    sentinel_operate: { user: "oncall", pass: secret() },
    rest_admin_token: secret(),
    rest_operate_token: secret(),
  };
}

export function natsCredentialOf(security: LabSecurity, identity: NatsIdentity): LabCredential {
  const credential = security.nats_users.get(natsUser(identity));
  if (credential === undefined) throw new Error(`no NATS user for ${identity.role} ${identity.id}`);
  return credential;
}

/** nats-server's config: JetStream, the users, TLS required with verified client certificates. */
export function natsServerConfigText(input: {
  readonly security: LabSecurity;
  readonly server_name: string;
  readonly port: number;
  readonly store_dir: string;
}): string {
  const { certs } = input.security;
  return [
    `server_name: ${JSON.stringify(input.server_name)}`,
    `listen: "0.0.0.0:${input.port}"`,
    `jetstream { store_dir: ${JSON.stringify(input.store_dir)} }`,
    renderNatsAuthorization(input.security.nats_entries),
    "tls {",
    `  cert_file: ${JSON.stringify(certs.cert_file)}`,
    `  key_file: ${JSON.stringify(certs.key_file)}`,
    `  ca_file: ${JSON.stringify(certs.ca_file)}`,
    "  verify: true",
    "  timeout: 2",
    "}",
    "",
  ].join("\n");
}

/** The three PEM paths every service is given (its schema takes exactly these). */
export function serviceTlsFiles(security: LabSecurity): {
  readonly ca_file: string;
  readonly cert_file: string;
  readonly key_file: string;
} {
  const { certs } = security;
  return { ca_file: certs.ca_file, cert_file: certs.cert_file, key_file: certs.key_file };
}
