import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "@nats-io/transport-node";
import { makeThrowawayCerts, redisCliTlsArgs } from "@sentinel-plane/runtime";
import { withProcesses } from "./harness.js";
import { isAlive } from "./managed-process.js";

void test("starts and stops redis-server and nats-server", async (t) => {
  await withProcesses(t, async (procs) => {
    const redis = await procs.startRedis({ password: "s3cret" });
    const client = await redis.client();
    assert.equal(await client.ping(), "PONG");
    assert.equal(await client.config("GET", "save").then((r) => (r as string[])[1]), "");
    const nats = await procs.startNats();
    // Authorization is on by default: no credential, no connection; the admin user connects.
    await assert.rejects(connect({ servers: nats.url, timeout: 2000, reconnect: false }), /authorization/i);
    const nc = await connect({ ...nats.connectOptions, timeout: 2000, reconnect: false });
    assert.equal(nc.info?.jetstream, true);
    await nc.close();
    const pids = [redis.pid, nats.pid];
    await redis.stop();
    await nats.stop();
    for (const pid of pids) assert.equal(isAlive(pid), false);
  });
});

void test("a replica syncs, with auth, and a restarted server keeps port and dir", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await procs.startRedis({
      name: "primary",
      password: "pw",
      acl_users: [{ name: "repl", password: "rpw" }],
    });
    const replica = await procs.startRedis({
      name: "replica",
      password: "pw",
      masteruser: "repl",
      masterauth: "rpw",
      replicaof: primary.address,
    });
    await replica.waitForSync(10000);
    const p = await primary.client();
    await p.set("k", "v");
    assert.equal(await p.wait(1, 5000), 1);
    const r = await replica.client();
    assert.equal(await r.get("k"), "v");
    const acl = await primary.client({ username: "repl", password: "rpw" });
    assert.equal(await acl.ping(), "PONG");

    const oldPid = replica.pid;
    await replica.restart();
    assert.notEqual(replica.pid, oldPid);
    assert.equal(isAlive(oldPid), false);
    await replica.waitForSync(10000);
    assert.ok(existsSync(replica.config_path));

    replica.kill("SIGSTOP");
    replica.kill("SIGCONT");
    const info = await (await replica.client()).info("replication");
    assert.match(info, /role:slave/);
  });
});

void test("the harness leaves no process behind, even when the test body throws", async (t) => {
  const controller = new AbortController();
  const hooks: (() => Promise<void>)[] = [];
  const fakeContext = {
    name: "throwing body",
    signal: controller.signal,
    after: (fn: () => Promise<void>) => hooks.push(fn),
  };
  let pids: number[] = [];
  let root = "";
  const stderrWrite = process.stderr.write.bind(process.stderr);
  let dumped = "";
  process.stderr.write = (chunk: string | Uint8Array) => {
    dumped += String(chunk);
    return true;
  };
  try {
    await assert.rejects(
      withProcesses(fakeContext, async (procs) => {
        const redis = await procs.startRedis();
        await procs.startNats();
        root = await procs.tempRoot();
        const service = await procs.spawnService({
          name: "sleeper",
          entry: "libs/testkit/src/process/fixtures/sleeper.ts",
        });
        await service.waitForLog((r) => r["msg"] === "ready", { timeout_ms: 20000 });
        redis.kill("SIGSTOP"); // a stopped process must still be killed
        pids = procs.pids();
        throw new Error("test body failed");
      }),
      /test body failed/,
    );
  } finally {
    process.stderr.write = stderrWrite;
  }
  for (const hook of hooks) await hook(); // node:test would run these too: must be idempotent
  assert.equal(pids.length, 3);
  for (const pid of pids) {
    assert.throws(() => process.kill(pid, 0), { code: "ESRCH" }, `pid ${pid} is still alive`);
  }
  assert.match(dumped, /Ready to accept connections/, "logs are printed on failure");
  assert.match(dumped, /Server is ready/);
  t.diagnostic(`killed ${pids.join(", ")}`);
  // A failed harness keeps its temp dir for inspection; this failure was on purpose.
  await rm(root, { recursive: true, force: true });
});

void test("a TLS-only redis-server is ready once it answers PING over TLS", async (t) => {
  await withProcesses(t, async (procs) => {
    const certs = await makeThrowawayCerts(await procs.tempDir("tls"));
    // Its readiness PING went out in plain text until 2026-12-05: the start failed (ECONNRESET).
    const redis = await procs.startRedis({ tls: certs });
    const cli = (args: readonly string[]): Promise<string> =>
      promisify(execFile)("redis-cli", ["-p", String(redis.port), ...args], { timeout: 5000 }).then((r) =>
        r.stdout.trim(),
      );
    assert.equal(await cli([...redisCliTlsArgs(certs), "PING"]), "PONG");
    // Plain text gets no answer: the port is TLS only.
    assert.notEqual(await cli(["PING"]).catch(() => "refused"), "PONG");
  });
});
