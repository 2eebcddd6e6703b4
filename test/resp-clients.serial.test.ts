// The Sentinel client protocol against the real agents (issue 5): reply shapes compared with a
// real redis-sentinel watching the same primary, ioredis in sentinel mode and redis-cli through a
// SIGKILL failover.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { differentialCases, runDifferential } from "@sentinel-plane/sentinel-agent/testing";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { THREE_AGENTS } from "./support/agents.js";
import { eventually, redisClient, redisPid, missingKeys } from "./support/redis.js";

const run = promisify(execFile);

async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-p", String(port), ...args], { timeout: 5000 });
  return stdout.trim();
}

async function unfenced(cluster: Cluster): Promise<void> {
  await cluster.waitForEvent((e) => e.name === "+unfence-master", { timeout_ms: 20_000 });
}

void test("every listed request gets redis-sentinel's reply shape from a real agent", async (t) => {
  await withProcesses(t, async (procs) => {
    // One agent, one replica, quorum 1: the deployment the real sentinel below also sees.
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: 5000,
      failover_timeout_ms: 60_000,
    });
    const [primary, replica] = cluster.redis;
    const [agent] = cluster.agents;
    assert.ok(primary && replica && agent);
    await unfenced(cluster);
    await cluster.waitForEvent((e) => e.name === "+slave", { timeout_ms: 20_000 });

    const { port } = await procs.startRedisSentinel({
      master_name: cluster.master_name,
      host: "127.0.0.1",
      port: primary.port,
      quorum: 1,
    });
    // Both sides must list the replica as up before the shapes can match.
    for (const side of [port, agent.sentinel_port]) {
      await eventually(
        `replica listed by ${side}`,
        async () => {
          const out = await redisCli(side, "SENTINEL", "REPLICAS", cluster.master_name);
          return out.includes("master-link-status\nok") ? true : null;
        },
        { timeout_ms: 20_000, interval_ms: 100 },
      );
    }
    const mismatches = await runDifferential(
      { host: "127.0.0.1", port },
      { host: "127.0.0.1", port: agent.sentinel_port },
      differentialCases({
        master_name: cluster.master_name,
        primary: { host: "127.0.0.1", port: primary.port },
      }),
    );
    assert.deepEqual(
      mismatches.map(
        (m) => `${m.request}\n  real: ${JSON.stringify(m.real)}\n  ours: ${JSON.stringify(m.ours)}`,
      ),
      [],
    );
  });
});

for (const failoverDetector of [false, true]) {
  void test(`ioredis in sentinel mode (failoverDetector ${failoverDetector}) writes through a SIGKILL failover and loses no acknowledged write`, async (t) => {
    await withProcesses(t, async (procs) => {
      const cluster = await startCluster(procs, THREE_AGENTS);
      const [primary] = cluster.redis;
      assert.ok(primary);
      await unfenced(cluster);
      const port = primary.port;
      // get-master-addr-by-name through redis-cli, before the failover.
      assert.equal(
        await redisCli(
          cluster.agents[0]?.sentinel_port ?? 0,
          "SENTINEL",
          "get-master-addr-by-name",
          cluster.master_name,
        ),
        `127.0.0.1\n${port}`,
      );

      const connect = (): Redis => {
        const c = new Redis({
          sentinels: cluster.agents.map((a) => ({ host: "127.0.0.1", port: a.sentinel_port })),
          name: cluster.master_name,
          failoverDetector,
          connectTimeout: 500,
          commandTimeout: 1000,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
          sentinelRetryStrategy: () => 100,
          retryStrategy: () => 50,
          reconnectOnError: () => true,
        });
        c.on("error", () => undefined);
        procs.onCleanup(() => {
          c.disconnect();
        });
        return c;
      };
      // ioredis 5 with failoverDetector may end a client for good (status "end") when
      // +switch-master arrives while it is reconnecting, which our fast failovers make likely
      // (seen with Redis Sentinel too, in bench/failover). An application must then create a new
      // client, and so does this test, a bounded number of times; the writes it counts are still
      // the ones Redis acknowledged.
      const CLIENT_RESTARTS_MAX = 10;
      let client = connect();
      let restarts = 0;
      // Acknowledged = SET answered OK and WAIT saw a replica take it: with asynchronous
      // replication, a write the primary acknowledged in the last instant before a SIGKILL may
      // never reach a replica (for Redis Sentinel as for us); WAIT makes "acknowledged" mean
      // "a replica has it", which a failover must then keep. (A pipeline, not MULTI: inside a
      // transaction WAIT cannot block and answers 0 at once.)
      const acked: string[] = [];
      const control = { stop: false };
      const writer = (async () => {
        // Each key is retried until the SET is answered OK (whatever WAIT says), so the loop
        // never runs ahead while the client is reconnecting; bounded by the test's own end.
        for (let i = 0; !control.stop && i < 1_000_000;) {
          if (client.status === "end" && restarts < CLIENT_RESTARTS_MAX) {
            restarts++;
            client = connect();
          }
          const replies = await client
            .pipeline()
            .set(`key:${i}`, String(i))
            .call("WAIT", "1", "100")
            .exec()
            .catch(() => null);
          const [set, wait] = replies ?? [];
          if (set?.[0] !== null) {
            await new Promise((resolve) => setTimeout(resolve, 10));
            continue;
          }
          if (wait?.[0] === null && Number(wait[1]) >= 1) acked.push(`key:${i}`);
          i++;
        }
      })();
      await eventually("writing", () => Promise.resolve(acked.length > 100 ? true : null), {
        timeout_ms: 20_000,
        interval_ms: 20,
      });
      const mark = cluster.events.length;
      process.kill(await redisPid(procs, port), "SIGKILL");
      const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
        timeout_ms: 20_000,
        since_index: mark,
      });
      const new_port = Number(switched.event.text.split(" ")[4]);
      const before = acked.length;
      await eventually(
        "writes resume on the new primary",
        () => Promise.resolve(acked.length > before + 100 ? true : null),
        {
          timeout_ms: 20_000,
          interval_ms: 20,
        },
      );
      control.stop = true;
      await writer;
      if (restarts > 0) t.diagnostic(`ioredis ended the client on its own; restarted ${restarts} time(s)`);
      const served_by = /tcp_port:(\d+)/.exec(await client.info("server"))?.[1];
      assert.equal(Number(served_by), new_port, "ioredis ends on the new primary");
      assert.equal(
        await redisCli(
          cluster.agents[1]?.sentinel_port ?? 0,
          "SENTINEL",
          "get-master-addr-by-name",
          cluster.master_name,
        ),
        `127.0.0.1\n${new_port}`,
      );
      const check = await redisClient(procs, new_port);
      const missing = await missingKeys(check, acked);
      assert.deepEqual(
        missing.slice(0, 20),
        [],
        `${missing.length} of ${acked.length} acknowledged writes lost`,
      );
    });
  });
}

void test("garbage on the Sentinel port gets errors while another client keeps being served", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: 5000,
      failover_timeout_ms: 60_000,
    });
    const [agent] = cluster.agents;
    assert.ok(agent);
    const good = await redisClient(procs, agent.sentinel_port);
    const { createConnection } = await import("node:net");
    const frames = [
      "*1\r\n$999999999999\r\n",
      "*99999999999\r\n",
      "\x00\x01\x02garbage\r\n",
      "*2\r\n$4\r\nPING\r\n",
      "NOSUCHCOMMAND a b\r\n",
    ];
    for (const frame of frames) {
      const reply = await new Promise<string>((resolve) => {
        const socket = createConnection({ host: "127.0.0.1", port: agent.sentinel_port });
        let data = "";
        socket.on("data", (chunk) => (data += chunk.toString()));
        socket.on("close", () => {
          resolve(data);
        });
        socket.on("error", () => {
          resolve(data);
        });
        socket.write(frame, () => setTimeout(() => socket.end(), 200));
      });
      assert.match(reply, /^-ERR|^$/, `frame ${JSON.stringify(frame)} got ${JSON.stringify(reply)}`);
      assert.equal(await good.ping(), "PONG", "the other client is still served");
    }
    assert.equal(await good.ping(), "PONG");
  });
});
