// A throwaway CA and certificates made with the `openssl` command, for local clusters
// (`sentinel-plane up --tls`) and tests: one CA, one certificate every service presents (server
// and client use, names of the local hosts), one client-only certificate for tools. Keys are
// written 0600. Not for production: there, certificates come from the operator's own PKI.
import { execFile } from "node:child_process";
import { chmod, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ThrowawayCerts {
  readonly dir: string;
  readonly ca_file: string;
  /** Server and client certificate of every service (SAN: the hosts given). */
  readonly cert_file: string;
  readonly key_file: string;
  /** A client-only certificate (redis-cli --cert, curl --cert). */
  readonly client_cert_file: string;
  readonly client_key_file: string;
}

/** redis-cli's TLS arguments with the client-only certificate of `certs`. */
export function redisCliTlsArgs(
  certs: Pick<ThrowawayCerts, "ca_file" | "client_cert_file" | "client_key_file">,
): string[] {
  return [
    "--tls",
    "--cacert",
    certs.ca_file,
    "--cert",
    certs.client_cert_file,
    "--key",
    certs.client_key_file,
  ];
}

export interface ThrowawayCertsOptions {
  /** IP addresses and DNS names the services are reached at (default 127.0.0.1, localhost). */
  readonly hosts?: readonly string[];
  readonly days?: number;
  /** Bound on each openssl run. */
  readonly timeout_ms?: number;
}

const KEY_ARGS = ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"];

function san(hosts: readonly string[]): string {
  return hosts.map((h) => (/^[0-9.]+$/.test(h) || h.includes(":") ? `IP:${h}` : `DNS:${h}`)).join(",");
}

/** Writes ca.crt, ca.key, sentinel-plane.{crt,key}, client.{crt,key} into `dir` (which must exist). */
export async function makeThrowawayCerts(
  dir: string,
  options: ThrowawayCertsOptions = {},
): Promise<ThrowawayCerts> {
  const hosts = options.hosts ?? ["127.0.0.1", "localhost"];
  const work: CertWork = { dir, days: String(options.days ?? 825), timeout: options.timeout_ms ?? 10_000 };
  await makeCa(work);
  await signLeaf(
    work,
    "sentinel-plane",
    "sentinel-plane",
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san(hosts)}\n`,
  );
  await signLeaf(
    work,
    "client",
    "sentinel-plane client",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  await rm(join(dir, "ca.srl"), { force: true });
  return throwawayCertFiles(dir);
}

/**
 * The paths makeThrowawayCerts writes in `dir`, without making anything: one naming, so a caller
 * that finds certificates made earlier (`sentinel-plane up --tls` resumed) reads the same files.
 */
export function throwawayCertFiles(dir: string): ThrowawayCerts {
  return {
    dir,
    ca_file: join(dir, "ca.crt"),
    cert_file: join(dir, "sentinel-plane.crt"),
    key_file: join(dir, "sentinel-plane.key"),
    client_cert_file: join(dir, "client.crt"),
    client_key_file: join(dir, "client.key"),
  };
}

/** Where the files go, how long they are valid, and the bound on each openssl run. */
interface CertWork {
  readonly dir: string;
  readonly days: string;
  readonly timeout: number;
}

async function openssl(work: CertWork, args: readonly string[]): Promise<void> {
  await run("openssl", [...args], { cwd: work.dir, timeout: work.timeout });
}

/** A new P-256 key in `name`, 0600. */
async function newKey(work: CertWork, name: string): Promise<void> {
  const path = join(work.dir, name);
  await openssl(work, [...KEY_ARGS, "-out", path]);
  await chmod(path, 0o600);
}

/** ca.key and the self-signed ca.crt. */
async function makeCa(work: CertWork): Promise<void> {
  await newKey(work, "ca.key");
  await openssl(work, [
    "req",
    "-x509",
    "-new",
    "-key",
    join(work.dir, "ca.key"),
    "-sha256",
    "-days",
    work.days,
    "-subj",
    "/CN=sentinel-plane throwaway CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    join(work.dir, "ca.crt"),
  ]);
}

/** `<name>.key` and `<name>.crt` (common name `cn`, extensions `ext`) signed by the CA; no CSR left. */
async function signLeaf(work: CertWork, name: string, cn: string, ext: string): Promise<void> {
  const path = (suffix: string): string => join(work.dir, `${name}.${suffix}`);
  await newKey(work, `${name}.key`);
  await openssl(work, ["req", "-new", "-key", path("key"), "-subj", `/CN=${cn}`, "-out", path("csr")]);
  await writeFile(path("ext"), ext);
  await openssl(work, [
    "x509",
    "-req",
    "-in",
    path("csr"),
    "-CA",
    join(work.dir, "ca.crt"),
    "-CAkey",
    join(work.dir, "ca.key"),
    "-CAcreateserial",
    "-days",
    work.days,
    "-sha256",
    "-extfile",
    path("ext"),
    "-out",
    path("crt"),
  ]);
  await rm(path("csr"));
  await rm(path("ext"));
}

/**
 * The redis.conf (and sentinel.conf) lines of a TLS-only server on `port` that requires client
 * certificates and replicates over TLS: what `up --tls` and the test harness both run.
 */
export function tlsOnlyServerLines(
  port: number,
  files: { readonly ca_file: string; readonly cert_file: string; readonly key_file: string },
): string[] {
  return [
    "port 0",
    `tls-port ${port}`,
    `tls-cert-file ${files.cert_file}`,
    `tls-key-file ${files.key_file}`,
    `tls-ca-cert-file ${files.ca_file}`,
    "tls-auth-clients yes",
    "tls-replication yes",
  ];
}
