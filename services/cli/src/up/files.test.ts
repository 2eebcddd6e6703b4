import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ClusterSettings } from "../state/cluster-state.js";
import { Layout } from "../state/layout.js";
import {
  dataNodeJson,
  leaseTokenOf,
  redisConfText,
  sentinelConfText,
  vipManagerJson,
  writeClusterFiles,
} from "./files.js";
import { completeSecrets, loadNatsSecrets, natsConfFile, natsSecretsFile } from "./nats-secrets.js";

const settings: ClusterSettings = {
  version: 1,
  cluster_id: "local-abc",
  master_name: "mymaster",
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 10_000,
  rest_token: "0123456789abcdef0123",
  sentinel_password: "sentinel-pass-0123",
  ports: { nats: 4300, redis: [6400, 6401, 6402], sentinel: [26400, 26401, 26402], rest: [8100, 8101, 8102] },
  created_at: "2026-01-01T00:00:00Z",
};
const secrets = completeSecrets(null, { redis: 3, agents: 3 });

void test("config texts: replicas follow the first primary, agents get their own ports and the token", () => {
  const layout = new Layout("/srv/sp");
  assert.doesNotMatch(redisConfText(layout, settings, 0), /replicaof/);
  assert.match(redisConfText(layout, settings, 2), /^replicaof 127\.0\.0\.1 6400$/m);
  assert.match(redisConfText(layout, settings, 1), /^dir \/srv\/sp\/redis-1\/data$/m);
  const conf = sentinelConfText(layout, settings, 1, secrets);
  for (const line of [
    "port 26401",
    "sentinel monitor mymaster 127.0.0.1 6400 2",
    "sentinel down-after-milliseconds mymaster 1000",
    "sentinel-plane nats-servers nats://127.0.0.1:4300",
    "sentinel-plane rest-port 8101",
    "sentinel-plane rest-token 0123456789abcdef0123",
    `sentinel-plane rest-token ${leaseTokenOf(settings, "node-0")} lease node-0`,
    `sentinel-plane rest-token ${leaseTokenOf(settings, "node-1")} lease node-1`,
    `sentinel-plane rest-token ${leaseTokenOf(settings, "node-2")} lease node-2`,
    "requirepass sentinel-pass-0123",
    "sentinel-plane state-dir /srv/sp/agent-1",
    `sentinel myid ${secrets.agent_ids[1] ?? "?"}`,
  ]) {
    assert.ok(conf.split("\n").includes(line), `missing: ${line}`);
  }
  const node = JSON.parse(dataNodeJson(layout, settings, 1, secrets)) as Record<string, unknown>;
  assert.equal(node["mode"], "supervise");
  assert.equal(node["master_name"], "mymaster");
  const node_nats = node["nats"] as Record<string, unknown>;
  assert.equal(node_nats["user"], "node-node-1");
  assert.equal(node_nats["pass"], secrets.passwords["node-node-1"]);
  assert.deepEqual(node["failsafe"], {
    agents: ["http://127.0.0.1:8100", "http://127.0.0.1:8101", "http://127.0.0.1:8102"],
    token: leaseTokenOf(settings, "node-1"),
  });
  assert.notEqual(leaseTokenOf(settings, "node-1"), settings.rest_token);
  assert.notEqual(leaseTokenOf(settings, "node-1"), leaseTokenOf(settings, "node-2"));
  const vip = JSON.parse(vipManagerJson(layout, settings, secrets)) as {
    vips: unknown[];
    hooks: { client_reconfig_script: string };
  };
  assert.deepEqual(vip.vips, []);
  assert.equal(vip.hooks.client_reconfig_script, "/srv/sp/vip-manager/client-reconfig.sh");
});

void test("writeClusterFiles keeps the files Redis and the agents rewrite", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-cli-files-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = new Layout(dir);
  const counts = { redis: 3, agents: 3 };
  await writeClusterFiles(layout, settings, counts, secrets);
  await writeFile(layout.agentConfig(0), "sentinel myid abc\n");
  await writeFile(layout.redisConfig(1), "# rewritten by redis\n");
  await writeClusterFiles(layout, settings, counts, secrets);
  // The agent's rewrite is kept; only the cluster's Sentinel-port password and the data-nodes'
  // bound lease tokens are added (once).
  const lease = [0, 1, 2].map(
    (i) => `sentinel-plane rest-token ${leaseTokenOf(settings, `node-${i}`)} lease node-${i}\n`,
  );
  const synced = `sentinel myid abc\nrequirepass sentinel-pass-0123\n${lease.join("")}`;
  assert.equal(await readFile(layout.agentConfig(0), "utf8"), synced);
  await writeClusterFiles(layout, settings, counts, secrets);
  assert.equal(await readFile(layout.agentConfig(0), "utf8"), synced);
  assert.equal(await readFile(layout.redisConfig(1), "utf8"), "# rewritten by redis\n");
  assert.match(await readFile(layout.agentConfig(1), "utf8"), /rest-port 8101/);
});

void test("NATS secrets: generated once, kept, completed after a rotation; files 0600", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-cli-secrets-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = new Layout(dir);
  const counts = { redis: 3, agents: 3 };
  const first = await loadNatsSecrets(layout, counts);
  assert.equal(first.agent_ids.length, 3);
  assert.equal(Object.keys(first.passwords).length, 1 + 3 + 3 + 1, "admin, agents, data-nodes, vip-manager");
  assert.deepEqual(await loadNatsSecrets(layout, counts), first, "a second start keeps them");
  assert.equal((await stat(natsSecretsFile(layout))).mode & 0o777, 0o600);
  // Rotation: the passwords removed, the agent ids kept.
  await writeFile(natsSecretsFile(layout), JSON.stringify({ version: 1, agent_ids: first.agent_ids }));
  const rotated = await loadNatsSecrets(layout, counts);
  assert.deepEqual(rotated.agent_ids, first.agent_ids);
  assert.notEqual(rotated.passwords["admin"], first.passwords["admin"]);
  await writeClusterFiles(layout, settings, counts, rotated);
  const conf = await readFile(natsConfFile(layout), "utf8");
  assert.equal((await stat(natsConfFile(layout))).mode & 0o777, 0o600);
  assert.match(conf, /listen: "127\.0\.0\.1:4300"/);
  assert.ok(conf.includes(`"${rotated.passwords["node-node-0"] ?? "?"}"`));
  assert.ok(conf.includes(`"sp.local-abc.node.node-0.status"`));
});

void test("NATS secrets of a cluster made before them keep the agents' existing ids", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-cli-secrets-old-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const layout = new Layout(dir);
  const counts = { redis: 3, agents: 3 };
  const old = ["a", "b", "c"].map((c) => c.repeat(40));
  await writeClusterFiles(layout, settings, counts, completeSecrets({ agent_ids: old }, counts));
  const secrets = await loadNatsSecrets(layout, counts);
  assert.deepEqual(secrets.agent_ids, old);
});
