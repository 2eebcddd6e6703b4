// Certificate rotation without a restart (README "Security", TLS): a real agent with a TLS-only
// Sentinel port and https REST. The certificate and key are replaced at the same paths, then
// `SENTINEL CONFIG SET tls-cert-file <same path>` (Redis re-reads its TLS files on CONFIG SET
// tls-*): new connections to both ports get the new certificate. A file that cannot be used is
// refused and the running certificate stays.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { test } from "node:test";
import { promisify } from "node:util";
import { makeThrowawayCerts, redisCliTlsArgs } from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import { freePort, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { DOWN_AFTER_MS, EVENT_TIMEOUT_MS, FAILOVER_TIMEOUT_MS } from "./support/agents.js";

const run = promisify(execFile);

async function redisCli(port: number, args: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 10_000 });
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`.trim();
  }
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is served. */
async function servedFingerprint(port: number, certs: ThrowawayCerts): Promise<string> {
  const [ca, cert, key] = await Promise.all(
    [certs.ca_file, certs.client_cert_file, certs.client_key_file].map((f) => readFile(f, "utf8")),
  );
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, cert, key, timeout: 5000 }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.on("timeout", () => socket.destroy(new Error("TLS handshake timed out")));
    socket.on("error", reject);
  });
}

/** A new service certificate (and key) from the same CA, written beside the others. */
async function reissue(certs: ThrowawayCerts): Promise<{ readonly cert: string; readonly key: string }> {
  const path = (name: string): string => join(certs.dir, name);
  const openssl = (args: readonly string[]): Promise<unknown> =>
    run("openssl", [...args], { cwd: certs.dir, timeout: 10_000 });
  await openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    path("new.key"),
  ]);
  await openssl([
    "req",
    "-new",
    "-key",
    path("new.key"),
    "-subj",
    "/CN=sentinel-plane rotated",
    "-out",
    path("new.csr"),
  ]);
  await writeFile(
    path("new.ext"),
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    path("new.csr"),
    "-CA",
    certs.ca_file,
    "-CAkey",
    path("ca.key"),
    "-CAcreateserial",
    "-days",
    "30",
    "-sha256",
    "-extfile",
    path("new.ext"),
    "-out",
    path("new.crt"),
  ]);
  return { cert: path("new.crt"), key: path("new.key") };
}

void test("SENTINEL CONFIG SET tls-cert-file: the Sentinel port and REST serve the new certificate, no restart", async (t) => {
  await withProcesses(t, async (procs) => {
    const certs = await makeThrowawayCerts(await procs.tempDir("tls"));
    const tls_port = await freePort();
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      tls: certs,
      agent_lines: ["port 0", `tls-port ${tls_port}`, "tls-auth-clients yes", "sentinel-plane rest-tls yes"],
    });
    const [agent] = cluster.agents;
    assert.ok(agent);
    const cli = (args: readonly string[]): Promise<string> =>
      redisCli(tls_port, [...redisCliTlsArgs(certs), ...args]);
    await agent.process.waitForLog((r) => r["event"] === "rest_listening", { timeout_ms: EVENT_TIMEOUT_MS });
    const first = new X509Certificate(await readFile(certs.cert_file)).fingerprint256;
    assert.equal(await servedFingerprint(tls_port, certs), first);
    assert.equal(await servedFingerprint(agent.rest_port, certs), first);

    // Rotation: the new certificate and key replace the files at the same paths, then one CONFIG SET.
    const next = await reissue(certs);
    await copyFile(next.cert, certs.cert_file);
    await copyFile(next.key, certs.key_file);
    const second = new X509Certificate(await readFile(certs.cert_file)).fingerprint256;
    assert.notEqual(second, first);
    assert.equal(await servedFingerprint(tls_port, certs), first, "nothing is re-read before the CONFIG SET");
    assert.equal(await cli(["SENTINEL", "CONFIG", "SET", "tls-cert-file", certs.cert_file]), "OK");
    assert.equal(
      await servedFingerprint(tls_port, certs),
      second,
      "the Sentinel port serves the new certificate",
    );
    assert.equal(await servedFingerprint(agent.rest_port, certs), second, "REST serves the new certificate");
    await agent.process.waitForLog((r) => r["event"] === "tls_reloaded" && r["param"] === "tls-cert-file", {
      timeout_ms: 5000,
    });

    // A file that cannot be used (not there, or a certificate without its key) changes nothing.
    assert.match(
      await cli(["SENTINEL", "CONFIG", "SET", "tls-cert-file", join(certs.dir, "missing.crt")]),
      /^ERR CONFIG SET failed \(possibly related to argument 'tls-cert-file'\) - Unable to update TLS configuration: .*missing\.crt/,
    );
    assert.match(
      await cli(["SENTINEL", "CONFIG", "SET", "tls-cert-file", certs.client_cert_file]),
      /Unable to update TLS configuration/,
    );
    assert.equal(await servedFingerprint(tls_port, certs), second);
    assert.equal(await cli(["PING"]), "PONG");
    // The path set is the one written back (a restart keeps it); the refused ones are not.
    const conf = await readFile(agent.config_path, "utf8");
    assert.deepEqual(
      conf.split("\n").filter((l) => l.startsWith("tls-cert-file")),
      [`tls-cert-file ${certs.cert_file}`],
    );
  });
});
