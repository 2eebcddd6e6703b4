// The commander against a real nats-server (no data-node answers) and a real redis-server: the
// direct-Redis fallback runs only while the core still wants the command. A fence whose failover
// aborted while the request waited for the data-node is dropped, not sent to Redis (issue 13).
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import type { Address, NodeCommand } from "@sentinel-plane/core";
import { withProcesses } from "@sentinel-plane/testkit";
import { DirectRedis } from "./direct-redis.js";
import { NatsNodeCommander } from "./node-commander.js";

void test("a fence no longer wanted after the data-node timed out is dropped; a wanted one goes direct", async (t) => {
  await withProcesses(t, async (procs) => {
    const nats = await procs.startNats();
    const redis = await procs.startRedis({ name: "primary" });
    const nc = await connect({
      ...nats.connectOptions,
      name: "commander-test",
      timeout: 2000,
      reconnect: false,
    });
    procs.onCleanup(() => nc.close());
    const fallbacks: string[] = [];
    const withdrawn: string[] = [];
    const commander = new NatsNodeCommander(nc, {
      cluster_id: "test-cluster",
      issuer: "agent-a",
      directory: { nodeFor: () => "restarting-node" }, // reported before, nobody subscribed now
      direct: new DirectRedis(() => ({})),
      on_fallback: (_target: Address, command: NodeCommand) => fallbacks.push(command.type),
      on_withdrawn: (_target: Address, epoch: number, command: NodeCommand, reason: string) =>
        withdrawn.push(`${command.type}@${epoch}: ${reason}`),
    });
    const target = { host: "127.0.0.1", port: redis.port };
    const client = await redis.client();
    const fenceValue = async (): Promise<string | undefined> =>
      ((await client.config("GET", "min-replicas-to-write")) as string[])[1];

    // Wanted: the data-node does not answer, Redis is fenced directly.
    let wanted = true;
    const isWanted = (): boolean => wanted;
    const dropped = await commander.command(target, 4, { type: "fence" }, 300, isWanted);
    assert.equal(dropped.ok, true, "wanted at the time: sent direct");
    assert.equal(await fenceValue(), "2147483647");
    await client.config("SET", "min-replicas-to-write", "0");

    // The failover aborted while the request waited for the data-node: dropped.
    wanted = false;
    const late = await commander.command(target, 5, { type: "fence" }, 300, isWanted);
    assert.ok(!late.ok && late.code === "SP_ERR_COMMAND_WITHDRAWN", JSON.stringify(late));
    assert.match(
      late.message,
      /fence at epoch 5 not sent: no longer wanted \(its failover ended, it is too old, or TILT\) \(data-node restarting-node:/,
    );
    assert.equal(await fenceValue(), "0", "Redis never saw the late fence");
    assert.deepEqual(fallbacks, ["fence"]);
    assert.equal(withdrawn.length, 1);
    assert.match(withdrawn[0] ?? "", /^fence@5: data-node restarting-node:/);
  });
});
