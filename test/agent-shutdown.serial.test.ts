// SHUTDOWN on a real agent's Sentinel port: as Sentinel, the configuration is flushed and the
// process exits 0 (the SIGTERM path), the client sees the connection close with no reply.
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { once } from "node:events";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";

void test("SHUTDOWN flushes sentinel.conf and stops the agent with exit code 0", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 0,
      agents: 1,
      quorum: 1,
      down_after_ms: 5000,
      failover_timeout_ms: 10_000,
    });
    const [agent] = cluster.agents;
    assert.ok(agent);
    const socket = connect(agent.sentinel_port, "127.0.0.1");
    t.after(() => {
      socket.destroy();
    });
    await once(socket, "connect");
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("utf8");
    });
    const closed = once(socket, "close");
    socket.write("SHUTDOWN ABORT\r\nPING\r\n");
    while (!received.includes("+PONG\r\n")) await once(socket, "data");
    assert.equal(received, "-ERR No shutdown in progress.\r\n+PONG\r\n");
    // Emptied behind the agent's back: only the flush SHUTDOWN does can bring the monitor back.
    await writeFile(agent.config_path, "# emptied by the test\n");
    received = "";
    socket.write("SHUTDOWN NOW\r\n");
    await closed;
    assert.equal(received, "", "no reply: the connection closes as the agent stops");
    const exit = await agent.process.exited;
    assert.equal(exit.code, 0);
    const conf = await readFile(agent.config_path, "utf8");
    assert.match(conf, /^sentinel monitor mymaster /m);
    assert.match(conf, new RegExp(`^sentinel myid ${agent.myid}$`, "m"));
  });
});
