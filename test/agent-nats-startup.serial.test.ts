// Clear start-up (issue 15): an agent whose NATS is not there yet says so at once, naming the
// servers, keeps running and retrying (logged on a back-off), and becomes ready, its /readyz
// answering 200, once a nats-server appears on that address.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { AGENT_ENTRY, freePort, withProcesses } from "@sentinel-plane/testkit";
import { eventually } from "./support/redis.js";

void test("an agent started before its NATS logs it at once, keeps retrying, and is ready when NATS appears", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats_port = await freePort();
    const rest_port = await freePort();
    const dir = await procs.tempDir("agent");
    const config_path = join(dir, "sentinel.conf");
    const url = `nats://127.0.0.1:${nats_port}`;
    await writeFile(
      config_path,
      [
        `port ${await freePort()}`,
        "bind 127.0.0.1",
        `sentinel monitor mymaster 127.0.0.1 ${await freePort()} 2`,
        `sentinel-plane nats-servers ${url}`,
        "sentinel-plane cluster-id startup",
        `sentinel-plane state-dir ${dir}`,
        `sentinel-plane rest-port ${rest_port}`,
        "",
      ].join("\n"),
    );
    const agent = await procs.spawnService({ name: "agent", entry: AGENT_ENTRY, args: [config_path] });
    const connecting = await agent.waitForLog((r) => r["event"] === "nats_connecting", {
      timeout_ms: 30_000,
    });
    assert.deepEqual(connecting["servers"], [url], "the first line names the servers");
    const first = await agent.waitForLog((r) => r["event"] === "nats_unreachable", { timeout_ms: 30_000 });
    assert.match(String(first["msg"]), new RegExp(`NATS unreachable at ${url}`));
    const gap_ms = Date.parse(String(first["time"])) - Date.parse(String(connecting["time"]));
    t.diagnostic(`nats_unreachable logged ${gap_ms} ms after nats_connecting`);
    // Still retrying, on a back-off, and alive.
    const second = await agent.waitForLog(
      (r) => r["event"] === "nats_unreachable" && Number(r["waited_ms"]) > Number(first["waited_ms"]),
      { timeout_ms: 30_000 },
    );
    assert.ok(Number(second["next_log_ms"]) > Number(first["next_log_ms"]), "the log interval backs off");
    assert.equal(agent.process.running, true);

    // No users: start-up is under test here, not authorization (the agent has no credential).
    await procs.startNats({ port: nats_port, auth: false });
    await agent.waitForLog((r) => r["msg"] === "sentinel-agent started", { timeout_ms: 60_000 });
    const ready = await eventually(
      "/readyz 200",
      async () => {
        const response = await fetch(`http://127.0.0.1:${rest_port}/readyz`, {
          signal: AbortSignal.timeout(2000),
        });
        return response.status === 200 ? ((await response.json()) as { ready: boolean }) : null;
      },
      { timeout_ms: 30_000, interval_ms: 200 },
    );
    assert.equal(ready.ready, true);
  });
});
