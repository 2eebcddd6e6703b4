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
  const days = String(options.days ?? 825);
  const timeout = options.timeout_ms ?? 10_000;
  const openssl = (args: readonly string[]): Promise<unknown> =>
    run("openssl", [...args], { cwd: dir, timeout });
  const path = (name: string): string => join(dir, name);
  const newKey = async (name: string): Promise<void> => {
    await openssl([...KEY_ARGS, "-out", path(name)]);
    await chmod(path(name), 0o600);
  };
  await newKey("ca.key");
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    path("ca.key"),
    "-sha256",
    "-days",
    days,
    "-subj",
    "/CN=sentinel-plane throwaway CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    path("ca.crt"),
  ]);
  const leaf = async (name: string, cn: string, ext: string): Promise<void> => {
    await newKey(`${name}.key`);
    await openssl([
      "req",
      "-new",
      "-key",
      path(`${name}.key`),
      "-subj",
      `/CN=${cn}`,
      "-out",
      path(`${name}.csr`),
    ]);
    await writeFile(path(`${name}.ext`), ext);
    await openssl([
      "x509",
      "-req",
      "-in",
      path(`${name}.csr`),
      "-CA",
      path("ca.crt"),
      "-CAkey",
      path("ca.key"),
      "-CAcreateserial",
      "-days",
      days,
      "-sha256",
      "-extfile",
      path(`${name}.ext`),
      "-out",
      path(`${name}.crt`),
    ]);
    await rm(path(`${name}.csr`));
    await rm(path(`${name}.ext`));
  };
  await leaf(
    "sentinel-plane",
    "sentinel-plane",
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${san(hosts)}\n`,
  );
  await leaf(
    "client",
    "sentinel-plane client",
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n",
  );
  await rm(path("ca.srl"), { force: true });
  return {
    dir,
    ca_file: path("ca.crt"),
    cert_file: path("sentinel-plane.crt"),
    key_file: path("sentinel-plane.key"),
    client_cert_file: path("client.crt"),
    client_key_file: path("client.key"),
  };
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
