// `up --tls`: the certificates are made once in <dir>/tls and kept; a cluster created without
// TLS is refused --tls; the rendered files turn TLS on for every link.
import assert from "node:assert/strict";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CliError } from "../errors.js";
import type { ClusterSettings } from "../state/cluster-state.js";
import { Layout } from "../state/layout.js";
import { dataNodeJson, redisConfText, sentinelConfText, vipManagerJson } from "./files.js";
import { findLocalTls, localTlsFor } from "./local-tls.js";
import { completeSecrets, natsConfText } from "./nats-secrets.js";

const settings: ClusterSettings = {
  version: 1,
  cluster_id: "local-abc",
  master_name: "mymaster",
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 10_000,
  rest_token: "0123456789abcdef0123",
  ports: { nats: 4300, redis: [6400, 6401, 6402], sentinel: [26400, 26401, 26402], rest: [8100, 8101, 8102] },
  created_at: "2026-01-01T00:00:00Z",
};
const secrets = completeSecrets(null, { redis: 3, agents: 3 });

void test("localTlsFor: made for a new cluster with --tls, kept on resume, refused for a plain cluster", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-local-tls-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const plain = new Layout(join(dir, "plain"));
  assert.equal(await localTlsFor(plain, false, false), null);
  await assert.rejects(localTlsFor(plain, true, true), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(e.code, "CLI_TLS_NOT_AT_CREATION");
    return true;
  });
  const layout = new Layout(join(dir, "tls-cluster"));
  const made = await localTlsFor(layout, true, false);
  assert.ok(made !== null);
  assert.deepEqual(await findLocalTls(layout), made);
  // Resumed without --tls: the cluster keeps TLS.
  assert.deepEqual(await localTlsFor(layout, false, true), made);

  const redis = redisConfText(layout, settings, 1, made).split("\n");
  for (const line of ["port 0", "tls-port 6401", "tls-replication yes", "tls-auth-clients yes"]) {
    assert.ok(redis.includes(line), line);
  }
  const agent = sentinelConfText(layout, settings, 0, secrets, made).split("\n");
  for (const line of [
    "port 0",
    "tls-port 26400",
    "sentinel-plane rest-tls yes",
    `tls-ca-cert-file ${made.ca_file}`,
  ]) {
    assert.ok(agent.includes(line), line);
  }
  const node = JSON.parse(dataNodeJson(layout, settings, 0, secrets, made)) as {
    nats: { tls?: unknown };
    redis: { tls?: unknown };
  };
  const files = { ca_file: made.ca_file, cert_file: made.cert_file, key_file: made.key_file };
  assert.deepEqual(node.nats.tls, files);
  assert.deepEqual(node.redis.tls, files);
  const vip = JSON.parse(vipManagerJson(layout, settings, secrets, made)) as { nats: { tls?: unknown } };
  assert.deepEqual(vip.nats.tls, files);
  assert.match(natsConfText(layout, settings, secrets, { redis: 3 }, made), /tls \{[^}]*verify: true/);
});

void test("localTlsFor: an emptied <dir>/tls is filled again with new certificates (rotation)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-local-tls-rot-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = new Layout(dir);
  const first = await localTlsFor(layout, true, false);
  assert.ok(first !== null);
  const before = await readFile(first.ca_file, "utf8");
  for (const name of await readdir(first.dir)) await rm(join(first.dir, name));
  const again = await localTlsFor(layout, false, true);
  assert.ok(again !== null);
  assert.notEqual(await readFile(again.ca_file, "utf8"), before);
});
