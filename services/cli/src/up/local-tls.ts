// `up --tls`: a throwaway CA and certificates in <dir>/tls (keys 0600), made once with openssl
// and kept, so a resumed cluster keeps TLS. TLS is on for a local cluster when that directory
// holds them: the CLI's own commands then talk https / RESP over TLS to it.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
// The subpath, not the package's index: every reading command imports this module (findLocalTls),
// and the index brings NATS, ioredis and OpenTelemetry with it when run through tsx.
import type { ThrowawayCerts } from "@sentinel-plane/runtime/tls-certs";
import { makeThrowawayCerts, throwawayCertFiles } from "@sentinel-plane/runtime/tls-certs";
import { CliError, EXIT } from "../errors.js";
import type { Layout } from "../state/layout.js";
import { exists } from "./path-exists.js";

export type LocalTls = ThrowawayCerts;

/** The PEM contents a client of the local cluster needs (CA, and the client certificate). */
export interface LocalTlsClient {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function localTlsDir(layout: Layout): string {
  return join(layout.dir, "tls");
}

/** The cluster's certificates if it has them (it was created with --tls); else null. */
export async function findLocalTls(layout: Layout): Promise<LocalTls | null> {
  const files = throwawayCertFiles(localTlsDir(layout));
  return (await exists(files.ca_file)) ? files : null;
}

/** Makes the certificates when missing (a new cluster with --tls). */
export async function ensureLocalTls(layout: Layout): Promise<LocalTls> {
  const found = await findLocalTls(layout);
  if (found !== null) return found;
  const dir = localTlsDir(layout);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return makeThrowawayCerts(dir, { hosts: ["127.0.0.1", "localhost"] });
}

export async function localTlsClient(tls: LocalTls): Promise<LocalTlsClient> {
  return {
    ca: await readFile(tls.ca_file, "utf8"),
    cert: await readFile(tls.client_cert_file, "utf8"),
    key: await readFile(tls.client_key_file, "utf8"),
  };
}

/**
 * Whether this `up` runs with TLS: a cluster keeps what it was created with (redis.conf and
 * sentinel.conf are written once, naming <dir>/tls); `--tls` on a cluster created without it is
 * refused. An emptied <dir>/tls is filled again: that is how the certificates are rotated.
 */
export async function localTlsFor(
  layout: Layout,
  wanted: boolean,
  resumed: boolean,
): Promise<LocalTls | null> {
  const found = await findLocalTls(layout);
  if (found !== null) return found;
  if (await exists(localTlsDir(layout))) return ensureLocalTls(layout);
  if (!wanted) return null;
  if (resumed) {
    throw new CliError(
      EXIT.usage,
      "CLI_TLS_NOT_AT_CREATION",
      `the cluster in ${layout.dir} was created without --tls (its redis.conf and sentinel.conf are written once); use another --dir for a TLS cluster`,
    );
  }
  return ensureLocalTls(layout);
}
