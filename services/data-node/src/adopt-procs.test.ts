// A restarted data-node adopts the redis-server it supervised before it was killed (issue 13,
// defect 2): no second redis-server (`bind: Address already in use`), no `exited` report for a
// live server, and fence/unfence/promote/replicaof are answered for it. The adopted server is
// watched by pid polling: its exit is still reported as `exited`.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import type { Redis } from "@sentinel-plane/runtime";
import { withProcesses } from "@sentinel-plane/testkit";
import {
  connectedRedis,
  crashAndRestartDataNode,
  dataNodeNats,
  natsClient,
  sendCommand,
  startDataNode,
  StatusWatcher,
} from "./testing/support.js";

async function serverPid(client: Redis): Promise<number> {
  const pid = Number(/process_id:(\d+)/.exec(await client.info("server"))?.[1]);
  assert.ok(Number.isSafeInteger(pid) && pid > 0, "INFO server has a process_id");
  return pid;
}

void test("supervise: a data-node killed with -9 and restarted adopts its running redis-server", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const prepared = await procs.prepareRedis({ name: "adopted" });
    const nc = await natsClient(procs, nats);
    const watcher = new StatusWatcher(nc, "s1");
    const dn = await startDataNode(procs, "s1", {
      mode: "supervise",
      redis_config_path: prepared.config_path,
      nats: await dataNodeNats(nats, "s1"),
      redis: { port: prepared.port },
    });
    await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 10000 });
    const client = await connectedRedis(procs, prepared.port, "adopt-test");
    const pid = await serverPid(client);
    procs.adoptPid(pid); // outlives its data-node: killed at teardown whatever happens
    const fenced = await sendCommand(nc, "s1", 3, "agent-a", { type: "fence" });
    assert.ok(fenced.ok && fenced.fenced, JSON.stringify(fenced));

    await crashAndRestartDataNode(procs, dn);
    const adopted = await dn.service.waitForLog((l) => l["event"] === "redis_adopted", { timeout_ms: 10000 });
    assert.equal(adopted["pid"], pid);
    const since = watcher.mark();
    const running = await watcher.waitFor((r) => r.process.state === "running", { timeout_ms: 10000, since });
    assert.equal(running.report.supervised, true);
    assert.equal(running.report.fenced, true);
    assert.equal(running.report.epoch, 3);
    // No second server was started: the same process answers, and nothing was reported exited.
    assert.equal(await serverPid(client), pid);
    assert.deepEqual(
      watcher.received.slice(since).filter((r) => r.report.process.state === "exited"),
      [],
    );
    assert.equal(dn.service.process.logs().includes("Address already in use"), false);

    // It obeys commands for the adopted server.
    const unfenced = await sendCommand(nc, "s1", 4, "agent-a", { type: "unfence" });
    assert.ok(unfenced.ok && !unfenced.fenced, JSON.stringify(unfenced));
    assert.equal(await client.set("k", "v"), "OK");
    const demoted = await sendCommand(nc, "s1", 5, "agent-a", {
      type: "replicaof",
      host: "127.0.0.1",
      port: 1,
    });
    assert.ok(demoted.ok && demoted.role === "slave", JSON.stringify(demoted));
    const promoted = await sendCommand(nc, "s1", 6, "agent-a", { type: "promote" });
    assert.ok(promoted.ok && promoted.role === "master", JSON.stringify(promoted));

    // "Supervise" for an adopted server: its exit is seen by pid polling and reported `exited`.
    const killed_since = watcher.mark();
    const killed_at = performance.now();
    process.kill(pid, "SIGKILL");
    const exited = await watcher.waitFor((r) => r.process.state === "exited", {
      timeout_ms: 5000,
      since: killed_since,
    });
    t.diagnostic(`adopted server's exit reported after ${(exited.at_ms - killed_at).toFixed(1)} ms`);
    assert.deepEqual(exited.report.process, { state: "exited", code: null, signal: null });
  });
});
