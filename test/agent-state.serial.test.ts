// sentinel-agent state and configuration across restarts (issue 4).
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { AGENT_ENTRY, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { redisPid } from "./support/redis.js";

interface StateFile {
  myid: string;
  current_epoch: number;
  masters: { name: string; leader: string | null; leader_epoch: number; config_epoch: number }[];
}

async function readState(dir: string): Promise<StateFile> {
  return JSON.parse(await readFile(join(dir, "sentinel-plane-state.json"), "utf8")) as StateFile;
}

void test("an agent restarted keeps its myid, epoch and votes", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 3,
      quorum: 2,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
    });
    const [primary] = cluster.redis;
    assert.ok(primary);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");
    await cluster.waitForEvent((e) => e.name === "+switch-master", { timeout_ms: 20_000, since_index: mark });
    // An agent that voted for the leader (+vote-for-leader, persisted before its reply): its vote
    // is for someone else and must survive the restart.
    const leader = cluster.named("+elected-leader", mark)[0]?.event.agent;
    const vote = cluster.named("+vote-for-leader", mark).find((s) => s.event.agent !== leader);
    assert.ok(leader !== undefined && vote, "an agent other than the leader voted");
    const agent = cluster.agents.find((a) => a.myid === vote.event.agent);
    const voter = agent === undefined ? undefined : { agent, state: await readState(agent.dir) };
    assert.ok(voter, "the voter's process is known");
    const before = voter.state;
    await cluster.restartAgent(voter.agent);
    const after = await readState(voter.agent.dir);
    assert.equal(after.myid, before.myid);
    assert.ok(after.current_epoch >= before.current_epoch);
    assert.equal(after.masters[0]?.leader, before.masters[0]?.leader);
    assert.equal(after.masters[0]?.leader_epoch, before.masters[0]?.leader_epoch);
  });
});

void test("a malformed sentinel.conf is refused with file, line and reason; the agent does not start", async (t) => {
  await withProcesses(t, async (procs) => {
    const dir = await procs.tempDir("bad-conf");
    const path = join(dir, "sentinel.conf");
    await writeFile(
      path,
      [
        "port 26999",
        "sentinel monitor mymaster 127.0.0.1 6380 2",
        "sentinel down-after-milliseconds mymaster abc",
        "sentinel bogus-directive 1",
        "",
      ].join("\n"),
    );
    const service = await procs.spawnService({ name: "bad-agent", entry: AGENT_ENTRY, args: [path] });
    const exit = await service.exited;
    assert.equal(exit.code, 2);
    const log = service.process.logs();
    assert.match(log, /sentinel\.conf:3: .*down-after-milliseconds.*abc/);
    assert.match(log, /sentinel\.conf:4: .*bogus-directive/);
  });
});
