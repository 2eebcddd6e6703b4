// The TLS options of Redis links: one secure context per material, and a shared context still
// checks the server (a TLS server on loopback with the throwaway CA's certificates).
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connect, createServer } from "node:tls";
import type { Server } from "node:tls";
import { redisTls } from "./redis.js";
import { makeThrowawayCerts } from "./tls-certs.js";
import type { ThrowawayCerts } from "./tls-certs.js";
import { readTlsMaterial } from "./tls-files.js";
import type { TlsMaterial } from "./tls-files.js";

let dir = "";
let certs: ThrowawayCerts;
let other: ThrowawayCerts;
let server: Server | undefined;

function material(files: Parameters<typeof readTlsMaterial>[0]): TlsMaterial {
  const read = readTlsMaterial(files);
  if (!read.ok) assert.fail(read.error.message);
  return read.value;
}

function clientMaterial(of: ThrowawayCerts): TlsMaterial {
  return material({ ca_file: of.ca_file, cert_file: of.client_cert_file, key_file: of.client_key_file });
}

/** "ok" when a TLS connection made with `options` is accepted, else the error (server checked, client certificate sent). */
async function handshake(options: ReturnType<typeof redisTls>): Promise<string> {
  const address = server?.address();
  assert.ok(typeof address === "object" && address !== null);
  const port = address.port;
  const socket = connect({ ...options, host: "127.0.0.1", port });
  try {
    await once(socket, "secureConnect");
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    socket.destroy();
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-redis-tls-"));
  for (const sub of ["a", "b"]) await mkdir(join(dir, sub));
  certs = await makeThrowawayCerts(join(dir, "a"));
  other = await makeThrowawayCerts(join(dir, "b"));
  const served = material({ ca_file: certs.ca_file, cert_file: certs.cert_file, key_file: certs.key_file });
  server = createServer({
    ca: [...(served.ca ?? [])],
    ...(served.cert === undefined ? {} : { cert: served.cert }),
    ...(served.key === undefined ? {} : { key: served.key }),
    requestCert: true,
    rejectUnauthorized: true,
  });
  server.on("secureConnection", (socket) => socket.end());
  server.on("tlsClientError", () => undefined);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
});
after(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

void describe("redisTls", () => {
  void it("gives every link of one material the same secure context, new material a new one", () => {
    const m = clientMaterial(certs);
    const first = redisTls(m);
    assert.ok("secureContext" in first);
    assert.equal(first.rejectUnauthorized, true);
    const again = redisTls(m);
    assert.ok("secureContext" in again);
    assert.equal(again.secureContext, first.secureContext);
    // A reload reads the files again: a new object, so a new context (the rotated certificates).
    const reloaded = redisTls(clientMaterial(certs));
    assert.ok("secureContext" in reloaded);
    assert.notEqual(reloaded.secureContext, first.secureContext);
  });

  void it("connects with the shared context, twice, and still refuses a server of another CA", async () => {
    const m = clientMaterial(certs);
    assert.equal(await handshake(redisTls(m)), "ok");
    assert.equal(await handshake(redisTls(m)), "ok");
    assert.match(await handshake(redisTls(clientMaterial(other))), /self[- ]signed|unable to (verify|get)/i);
  });

  void it("leaves material the context refuses to the connection attempt", () => {
    // The key of another certificate: createSecureContext throws; tls.connect reports it.
    const key = clientMaterial(other).key;
    assert.ok(key !== undefined);
    const wrong = { ...clientMaterial(certs), key };
    const options = redisTls(wrong);
    assert.ok(!("secureContext" in options));
    assert.equal(options.key, wrong.key);
    assert.throws(() => connect({ ...options, host: "127.0.0.1", port: 1 }), /key values mismatch/);
  });
});
