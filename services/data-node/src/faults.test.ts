// Real processes under faults: a supervised redis-server killed, an attached one hung, NATS
// restarted, a bad config file.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import {
  connectedRedis,
  dataNodeNats,
  ENTRY,
  natsClient,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";

void test("supervise: a SIGKILLed redis-server is reported as exited within 100 ms", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const prepared = await procs.prepareRedis({ name: "supervised" });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "s1");
    await startDataNode(procs, "s1", {
      mode: "supervise",
      redis_config_path: prepared.config_path,
      nats: await dataNodeNats(nats, "s1"),
      redis: { port: prepared.port },
    });
    const running = await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 10000 });
    assert.equal(running.report.supervised, true);
    // Started fenced: a restarted old primary takes no write until told otherwise.
    assert.equal(running.report.fenced, true);
    const client = await connectedRedis(procs, prepared.port, "test");
    await assert.rejects(client.set("k", "v"), /NOREPLICAS/);
    const pid = Number(/process_id:(\d+)/.exec(await client.info("server"))?.[1]);
    assert.ok(pid > 0);
    procs.adoptPid(pid); // the data-node's child: killed at teardown whatever happens

    const since = watcher.mark();
    const killed_at = performance.now();
    process.kill(pid, "SIGKILL");
    const exited = await watcher.waitFor((r) => r.process.state === "exited", { timeout_ms: 5000, since });
    const elapsed_ms = exited.at_ms - killed_at;
    t.diagnostic(`exit reported after ${elapsed_ms.toFixed(1)} ms`);
    assert.deepEqual(exited.report.process, { state: "exited", code: null, signal: "SIGKILL" });
    assert.match(exited.report.last_error ?? "", /SIGKILL/);
    assert.ok(elapsed_ms < 100, `exit reported after ${elapsed_ms} ms`);
  });
});

void test("attach: a hung server is reported within the probe timeout; NATS restart is survived", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const redis = await procs.startRedis({ name: "attached" });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "a1");
    const probe_timeout_ms = 300;
    const poll_interval_ms = 50;
    const dn = await startDataNode(procs, "a1", {
      mode: "attach",
      nats: await dataNodeNats(nats, "a1", { reconnect_wait_ms: 100, reconnect_jitter_ms: 50 }),
      redis: { port: redis.port },
      probe_timeout_ms,
      poll_interval_ms,
    });
    await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 10000 });

    // Hung (SIGSTOP): the connection stays open, only the probe timeout can tell.
    let since = watcher.mark();
    const stopped_at = performance.now();
    redis.kill("SIGSTOP");
    const hung = await watcher.waitFor((r) => r.process.state === "not_answering", {
      timeout_ms: 5000,
      since,
    });
    const elapsed_ms = hung.at_ms - stopped_at;
    t.diagnostic(`hang reported after ${elapsed_ms.toFixed(1)} ms`);
    assert.ok(
      elapsed_ms <= probe_timeout_ms + poll_interval_ms + 200,
      `hang reported after ${elapsed_ms} ms`,
    );
    assert.match(hung.report.last_error ?? "", /timed out/);
    assert.equal(hung.report.info, undefined);
    redis.kill("SIGCONT");
    await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 5000, since: watcher.mark() });

    // Gone (SIGKILL): refused connections are reported too, and the data-node keeps running.
    since = watcher.mark();
    redis.kill("SIGKILL");
    await watcher.waitFor((r) => r.process.state === "not_answering", { timeout_ms: 2000, since });
    await redis.restart();
    await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 5000, since: watcher.mark() });

    // NATS restarted on the same port and store: the data-node reconnects, reports resume.
    const before = watcher.latest()?.seq ?? 0;
    await nats.restart();
    const resumed = await watcher.waitFor((r) => r.seq > before, {
      timeout_ms: 10000,
      since: watcher.mark(),
    });
    assert.equal(resumed.report.process.state, "running");
    await dn.service.waitForLog((l) => l["event"] === "nats_reconnect", { timeout_ms: 5000 });
    assert.equal(dn.service.process.running, true);
  });
});

void test("a bad config file is refused at start with the path and the reason", async (t) => {
  await withProcesses(t, async (procs) => {
    const dir = await procs.tempDir("bad-config");
    const path = join(dir, "bad.json");
    await writeFile(
      path,
      JSON.stringify({
        node_id: "n1",
        cluster_id: "c",
        nats: { servers: ["nats://127.0.0.1:1"] },
        redis: { port: 70000 },
        mode: "attach",
        state_dir: dir,
      }),
    );
    const service = await procs.spawnService({ name: "bad-config", entry: ENTRY, args: ["--config", path] });
    const exit = await service.exited;
    assert.equal(exit.code, 2);
    const record = await service.waitForLog((l) => l["event"] === "config_invalid", { timeout_ms: 1000 });
    assert.equal(record["code"], "SP_ERR_CONFIG_INVALID");
    assert.match(String(record["error"]), /bad\.json \(\+ environment\): \/redis\/port: must be <= 65535/);
  });
});
