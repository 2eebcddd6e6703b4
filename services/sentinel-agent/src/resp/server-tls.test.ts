// The Sentinel port over TLS only (Redis' `port 0` + `tls-port`), over a fake view, with real
// clients: redis-cli --tls and ioredis. Certificates from a throwaway CA (openssl).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { TestContext } from "node:test";
import { promisify } from "node:util";
import {
  createRedisClient,
  makeThrowawayCerts,
  readTlsMaterial,
  redisCliTlsArgs,
} from "@sentinel-plane/runtime";
import type { ThrowawayCerts } from "@sentinel-plane/runtime";
import { parseSentinelConf } from "../config/index.js";
import { PeerPortWatch } from "../peer-port-watch.js";
import { RedisProber } from "../redis-prober.js";
import { setupAgentTls } from "../tls-setup.js";
import { FakeSentinelView, fakeMasterView } from "./testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";

const run = promisify(execFile);
let dir = "";
let certs: ThrowawayCerts;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sp-resp-tls-"));
  certs = await makeThrowawayCerts(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A TLS-only Sentinel port (options from the same path the agent takes: parse, setupAgentTls). */
async function start(t: TestContext, auth_clients: "yes" | "optional"): Promise<number> {
  const text = [
    "port 0",
    "tls-port 26999", // replaced by an ephemeral port below; only the options are used
    `tls-cert-file ${certs.cert_file}`,
    `tls-key-file ${certs.key_file}`,
    `tls-ca-cert-file ${certs.ca_file}`,
    `tls-auth-clients ${auth_clients}`,
  ].join("\n");
  const parsed = parseSentinelConf(text, { source: "sentinel.conf" });
  assert.ok(parsed.ok);
  const tls = setupAgentTls(parsed.value.config);
  if (!tls.ok) assert.fail(tls.error.message);
  assert.ok(tls.value.resp !== null);
  const view = new FakeSentinelView();
  const primary = { ip: "127.0.0.1", port: 16001 };
  view.addMaster({
    master: fakeMasterView("mymaster", primary.ip, primary.port),
    replicas: [],
    sentinels: [],
    address: primary,
  });
  const server = new RespServer({
    host: "127.0.0.1",
    port: null,
    tls: { port: 0, options: tls.value.resp.options },
    view,
    requirepass: null,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "/etc/sentinel-plane/sentinel.conf",
    now_ms: Date.now,
  });
  await server.listen();
  t.after(() => server.close());
  return server.tlsAddress().port;
}

async function redisCli(port: number, args: readonly string[], cli: readonly string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run("redis-cli", ["-p", String(port), ...cli, ...args], {
      timeout: 10_000,
    });
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ""}${e.stderr ?? ""}${e.message}`.trim();
  }
}

void test("redis-cli --tls with a client certificate: PING and SENTINEL get-master-addr-by-name", async (t) => {
  const port = await start(t, "yes");
  const tls = redisCliTlsArgs(certs);
  assert.equal(await redisCli(port, ["PING"], tls), "PONG");
  assert.equal(
    await redisCli(port, ["SENTINEL", "get-master-addr-by-name", "mymaster"], tls),
    "127.0.0.1\n16001",
  );
});

void test("tls-auth-clients yes: a client without a certificate gets no answer", async (t) => {
  const port = await start(t, "yes");
  const out = await redisCli(port, ["PING"], ["--tls", "--cacert", certs.ca_file]);
  assert.doesNotMatch(out, /^PONG$/m);
});

void test("tls-auth-clients optional: a client without a certificate is served", async (t) => {
  const port = await start(t, "optional");
  assert.equal(await redisCli(port, ["PING"], ["--tls", "--cacert", certs.ca_file]), "PONG");
});

void test("plain text on the TLS port is not served", async (t) => {
  const port = await start(t, "optional");
  const reply = await new Promise<string>((resolve) => {
    const socket = netConnect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    let data = "";
    socket.on("data", (chunk: Buffer) => (data += chunk.toString("latin1")));
    socket.on("close", () => {
      resolve(data);
    });
    socket.on("error", () => undefined);
    socket.setTimeout(5000, () => socket.destroy());
  });
  assert.doesNotMatch(reply, /PONG/);
});

void test("ioredis over TLS asks the Sentinel port for the primary", async (t) => {
  const port = await start(t, "yes");
  const material = readTlsMaterial({
    ca_file: certs.ca_file,
    cert_file: certs.client_cert_file,
    key_file: certs.client_key_file,
  });
  assert.ok(material.ok);
  const client = createRedisClient({
    host: "127.0.0.1",
    port,
    tls: material.value,
    connection_name: "tls-test",
    connect_timeout_ms: 5000,
    command_timeout_ms: 5000,
    retry_base_ms: 50,
    retry_max_ms: 200,
    ready_check: false,
  });
  t.after(() => {
    client.disconnect();
  });
  await client.connect();
  assert.deepEqual(await client.call("SENTINEL", "get-master-addr-by-name", "mymaster"), [
    "127.0.0.1",
    "16001",
  ]);
});

void test("a peer's Sentinel-port link over TLS (tls-replication yes, the agent's own certificate) gets PONG from a TLS-only port requiring client certificates", async (t) => {
  const port = await start(t, "yes");
  // The client side as an agent builds it from its own file (start/peer-ports.ts).
  const parsed = parseSentinelConf(
    [
      "port 0",
      "tls-port 26998",
      `tls-cert-file ${certs.cert_file}`,
      `tls-key-file ${certs.key_file}`,
      `tls-ca-cert-file ${certs.ca_file}`,
      "tls-replication yes",
    ].join("\n"),
    { source: "sentinel.conf" },
  );
  assert.ok(parsed.ok);
  const tls = setupAgentTls(parsed.value.config);
  if (!tls.ok) assert.fail(tls.error.message);
  assert.ok(tls.value.redis !== undefined);
  const prober = new RedisProber({
    instances_max: 4,
    connect_timeout_ms: 2000,
    reconnect_max_ms: 1000,
    auth_for: () => ({}),
    tls: tls.value.redis,
  });
  const peer = { host: "127.0.0.1", port };
  const watch = new PeerPortWatch({
    prober,
    now_ms: () => 7,
    targets: () => [peer],
    ping_period_ms: 1000,
    ping_timeout_ms: 5000,
    peers_max: 4,
    retain: (kept) => {
      prober.retain(kept);
    },
    close: () => {
      prober.close();
    },
  });
  t.after(() => {
    watch.close();
  });
  await watch.round();
  assert.deepEqual(watch.record(peer), {
    last_ping_sent_ms: 7,
    last_ok_ms: 7,
    last_reply_ms: 7,
    unanswered_since_ms: null,
  });
});
