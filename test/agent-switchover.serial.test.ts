// sentinel-agent end to end (issue 4): a hang fails over only once the primary's lease has run out
// (its stopped server is then killed by the Redis watchdog) and the old primary accepts no write; a manual failover under a steady writer loses no acknowledged write.
import assert from "node:assert/strict";
import { test } from "node:test";
import { leaseGrantWindowMs, leaseMs } from "@sentinel-plane/core";
import { isAlive, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { THREE_AGENTS, DOWN_AFTER_MS, EVENT_TIMEOUT_MS, discovered, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid, missingKeys, withFreshClient } from "./support/redis.js";

void test("a hang (SIGSTOP) fails over once the lease has run out; the old primary accepts no write", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const pid = await redisPid(procs, primary.port);
    const mark = cluster.events.length;
    const stopped_ms = performance.now();
    process.kill(pid, "SIGSTOP");
    let resumed = false;
    t.after(() => {
      if (!resumed) resume(pid);
    });
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const sdown = cluster.named("+sdown", mark).find((s) => s.event.text.startsWith("master "));
    assert.ok(sdown, "+sdown of the master was seen");
    // A hang is not a crash: nothing may act before the agents stop vouching for the primary
    // (lease grant window, down-after / 2) and its write lease has run out. Then the Redis
    // watchdog kills the stopped server, which never answered its data-node's fence (a fence only
    // queued does not count: core watchdog.ts), and the exit is reported at once. Slack: one PING
    // period (the last reply can predate the SIGSTOP), one lease request interval (the lease runs
    // from the request's send time) and the watchdog's 10 ms rounding.
    const settings = { down_after_ms: DOWN_AFTER_MS };
    const earliest_ms = leaseGrantWindowMs(settings) + leaseMs(settings) - 250;
    assert.ok(
      sdown.received_ms - stopped_ms >= earliest_ms,
      `SDOWN ${(sdown.received_ms - stopped_ms).toFixed(0)} ms after the stop, before ${earliest_ms} ms`,
    );
    assert.ok(switched.received_ms > sdown.received_ms);

    // The stopped server never answered its fence by its lease's end: the watchdog killed it, and
    // its data-node starts it again as a replica of the new primary (or fenced, then converted).
    await eventually(
      "the stopped server killed by its watchdog",
      () => Promise.resolve(isAlive(pid) ? null : true),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        interval_ms: 20,
      },
    );
    resumed = true;
    // Back (restarted by its data-node) as a replica; a write there is refused. A fresh client per
    // attempt: the restart and the data-node's CLIENT KILL close earlier connections.
    const outcome = await eventually(
      "the old primary back as a replica",
      () =>
        withFreshClient(procs, primary.port, async (probe) => {
          const role = await probe.role();
          if (role[0] !== "slave") return null;
          try {
            await probe.set("after-resume", "lost?");
            return "accepted";
          } catch (error) {
            return String(error).split(" ")[0] ?? "?";
          }
        }),
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    assert.notEqual(outcome, "accepted", "the old primary accepted a write");
  });
});

function resume(pid: number): void {
  if (isAlive(pid)) process.kill(pid, "SIGCONT");
}

void test("a manual failover (SENTINEL FAILOVER) under a steady writer loses no acknowledged write", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      ...THREE_AGENTS,
    });
    const [primary] = cluster.redis;
    const [agent] = cluster.agents;
    assert.ok(primary && agent);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const sentinel = await redisClient(procs, agent.sentinel_port);
    const addressOf = async (): Promise<number> => {
      const reply = (await sentinel.call(
        "SENTINEL",
        "GET-MASTER-ADDR-BY-NAME",
        cluster.master_name,
      )) as string[];
      return Number(reply[1]);
    };

    // The writer: SET key:i on the primary the agents name; on any error ask again and retry the
    // same key. Every OK is an acknowledged write that must survive.
    const acked: string[] = [];
    const control = { stop: false };
    const writer = (async () => {
      let port = await addressOf();
      let client = await redisClient(procs, port);
      for (let i = 0; !control.stop && i < 1_000_000;) {
        try {
          await client.set(`key:${i}`, String(i));
          acked.push(`key:${i}`);
          i++;
        } catch {
          const next = await addressOf().catch(() => port);
          if (next !== port) {
            client.disconnect();
            port = next;
            client = await redisClient(procs, port);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
      client.disconnect();
    })();
    await eventually("writer running", () => Promise.resolve(acked.length > 200 ? true : null), {
      timeout_ms: EVENT_TIMEOUT_MS,
      interval_ms: 20,
    });
    const mark = cluster.events.length;
    assert.equal(await sentinel.call("SENTINEL", "FAILOVER", cluster.master_name), "OK");
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const new_port = Number(switched.event.text.split(" ")[4]);
    const states = cluster.events.slice(mark).map((s) => s.event.name);
    assert.ok(states.includes("+failover-state-fence-old-master"), "the old primary was fenced first");
    assert.ok(
      states.indexOf("+failover-state-wait-catchup") < states.indexOf("+failover-state-send-slaveof-noone"),
      "the replica caught up before its promotion",
    );
    const before_switch = acked.length;
    await eventually(
      "writes continue on the new primary",
      () => Promise.resolve(acked.length > before_switch + 200 ? true : null),
      {
        timeout_ms: EVENT_TIMEOUT_MS,
        interval_ms: 20,
      },
    );
    control.stop = true;
    await writer;
    const check = await redisClient(procs, new_port);
    const missing = await missingKeys(check, acked);
    assert.deepEqual(
      missing.slice(0, 20),
      [],
      `${missing.length} of ${acked.length} acknowledged writes lost`,
    );
  });
});
