// Certificates from files, read once at start for every TLS link (the Sentinel port, REST, NATS,
// the links to Redis). A bad path, PEM or passphrase is an operating error with a code and the
// file named, returned before any socket opens, so a service refuses to start instead of crashing
// later on its first handshake.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { err, ok, spError } from "@sentinel-plane/protocol";
import type { Result } from "@sentinel-plane/protocol";

/** Paths as configured (null or absent: not set). */
export interface TlsFiles {
  readonly ca_file?: string | null;
  /** Redis' tls-ca-cert-dir: every certificate file in it is trusted (node has no CApath). */
  readonly ca_dir?: string | null;
  readonly cert_file?: string | null;
  readonly key_file?: string | null;
  readonly key_pass?: string | null;
}

/** PEM contents, in the shape node:tls, ioredis and @nats-io/transport-node take. */
export interface TlsMaterial {
  /** Trusted CAs; absent: node's bundled roots. */
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
}

/** A CA directory holding more files than this is refused (a wrong path, e.g. `/`). */
export const CA_DIR_FILES_MAX = 1000;

const PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

function readPem(what: string, path: string): Result<string> {
  if (path === "") return err(spError("SP_ERR_TLS_FILE", [`${what}: empty path`]));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_TLS_FILE", [`${what} ${path}: cannot read: ${reason}`], cause));
  }
  if (!text.includes("-----BEGIN ")) {
    return err(spError("SP_ERR_TLS_FILE", [`${what} ${path}: not a PEM file`]));
  }
  return ok(text);
}

function readCaDir(path: string): Result<string[]> {
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err(spError("SP_ERR_TLS_FILE", [`CA directory ${path}: cannot read: ${reason}`], cause));
  }
  if (names.length > CA_DIR_FILES_MAX) {
    return err(spError("SP_ERR_TLS_FILE", [`CA directory ${path}: more than ${CA_DIR_FILES_MAX} files`]));
  }
  const found: string[] = [];
  for (const name of names) {
    const file = join(path, name);
    try {
      if (!statSync(file).isFile()) continue;
      const text = readFileSync(file, "utf8");
      if (text.includes(PEM_CERTIFICATE)) found.push(text);
    } catch {
      // An unreadable entry in a shared CA directory is skipped, as OpenSSL's CApath lookup does.
    }
  }
  if (found.length === 0) {
    return err(spError("SP_ERR_TLS_FILE", [`CA directory ${path}: no PEM certificate in it`]));
  }
  return ok(found);
}

/**
 * Reads the files and checks that they make a usable context (PEM parses, the key opens with the
 * passphrase and matches the certificate): the error names the file and what is wrong.
 */
export function readTlsMaterial(files: TlsFiles): Result<TlsMaterial> {
  const cert_file = files.cert_file ?? null;
  const key_file = files.key_file ?? null;
  if ((cert_file === null) !== (key_file === null)) {
    const missing = cert_file === null ? "certificate file" : "key file";
    return err(spError("SP_ERR_TLS_FILE", [`a ${missing} is needed too (certificate and key go together)`]));
  }
  const ca: string[] = [];
  if (files.ca_file != null) {
    const read = readPem("CA file", files.ca_file);
    if (!read.ok) return read;
    ca.push(read.value);
  }
  if (files.ca_dir != null) {
    const read = readCaDir(files.ca_dir);
    if (!read.ok) return read;
    ca.push(...read.value);
  }
  let cert: string | null = null;
  let key: string | null = null;
  if (cert_file !== null && key_file !== null) {
    const c = readPem("certificate file", cert_file);
    if (!c.ok) return c;
    const k = readPem("key file", key_file);
    if (!k.ok) return k;
    cert = c.value;
    key = k.value;
  }
  const material: TlsMaterial = {
    ...(ca.length === 0 ? {} : { ca }),
    ...(cert === null ? {} : { cert }),
    ...(key === null ? {} : { key }),
    ...(files.key_pass == null ? {} : { passphrase: files.key_pass }),
  };
  try {
    createSecureContext({ ...material, ca: material.ca === undefined ? undefined : [...material.ca] });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const which = [cert_file, key_file, files.ca_file, files.ca_dir].filter((f) => f != null).join(", ");
    return err(spError("SP_ERR_TLS_FILE", [`TLS files ${which}: unusable: ${reason}`], cause));
  }
  return ok(material);
}

/**
 * readTlsMaterial for an optional config section (`nats.tls`, `redis.tls`): absent gives
 * undefined (no TLS); a failure's message starts with `where` (e.g. `node.json: /nats/tls`).
 */
export function readConfiguredTls(
  files: TlsFiles | undefined,
  where: string,
): Result<TlsMaterial | undefined> {
  if (files === undefined) return ok(undefined);
  const read = readTlsMaterial(files);
  if (read.ok) return read;
  return err(spError("SP_ERR_TLS_FILE", [`${where}: ${read.error.message}`], read.error));
}
