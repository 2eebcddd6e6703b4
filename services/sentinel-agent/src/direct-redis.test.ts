// The direct-Redis fallback against a real redis-server: `unfence` lifts the agents' fence marker
// and nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import { DirectRedis } from "./direct-redis.js";

void test("a direct unfence lifts the fence marker but keeps an operator's min-replicas-to-write", async (t) => {
  await withProcesses(t, async (procs) => {
    const server = await procs.startRedis({ name: "direct" });
    const target = { host: "127.0.0.1", port: server.port };
    const direct = new DirectRedis(() => ({}));
    const client = await server.client();
    const minReplicas = async (): Promise<string> => {
      const reply = (await client.call("CONFIG", "GET", "min-replicas-to-write")) as string[];
      return reply[1] ?? "";
    };
    assert.equal((await direct.run(target, { type: "fence" }, 2000)).ok, true);
    assert.equal(await minReplicas(), "2147483647");
    const lifted = await direct.run(target, { type: "unfence" }, 2000);
    assert.deepEqual([lifted.ok, await minReplicas()], [true, "0"]);
    await client.call("CONFIG", "SET", "min-replicas-to-write", "1");
    const kept = await direct.run(target, { type: "unfence" }, 2000);
    assert.deepEqual([kept.ok, await minReplicas()], [true, "1"], "not our fence: left as it is");
    // A removed master's replica (replica_only): kept while the server is a master, lifted once a
    // replica (of a port nobody listens on: the role is what counts).
    await direct.run(target, { type: "fence" }, 2000);
    const master = await direct.run(target, { type: "unfence", replica_only: true }, 2000);
    assert.deepEqual([master.ok, await minReplicas()], [true, "2147483647"], "a master keeps it");
    await client.call("REPLICAOF", "127.0.0.1", "1");
    const replica = await direct.run(target, { type: "unfence", replica_only: true }, 2000);
    assert.deepEqual([replica.ok, await minReplicas()], [true, "0"], "a replica gets it lifted");
  });
});

void test("a direct unfence survives a restart of a server whose config file kept the fence", async (t) => {
  await withProcesses(t, async (procs) => {
    // Redis's test suite: the old primary of a switchover, fenced and then made a replica (whose
    // CONFIG REWRITE saves the fence marker in its file), has its fence lifted at REMOVE and is
    // restarted later, then promoted and written to by the suite.
    const server = await procs.startRedis({ name: "direct-restart" });
    const target = { host: "127.0.0.1", port: server.port };
    const direct = new DirectRedis(() => ({}));
    assert.equal((await direct.run(target, { type: "fence" }, 2000)).ok, true);
    const demoted = await direct.run(target, { type: "replicaof", host: "127.0.0.1", port: 1 }, 2000);
    assert.equal(demoted.ok, true);
    const lifted = await direct.run(target, { type: "unfence", replica_only: true }, 2000);
    assert.equal(lifted.ok, true);
    await server.restart();
    const client = await server.client();
    const reply = (await client.call("CONFIG", "GET", "min-replicas-to-write")) as string[];
    assert.equal(reply[1], "0", "the lifted fence stays lifted after a restart");
    await client.call("REPLICAOF", "NO", "ONE");
    assert.equal(await client.call("SET", "k", "v"), "OK");
  });
});
