// sentinel-agent state and configuration across restarts (issue 4).
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { AGENT_ENTRY, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { eventually, redisPid } from "./support/redis.js";

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

/** sentinel.conf without its `sentinel myid` line, as Redis's suite (11-port-0) makes it. */
async function dropMyidLine(config_path: string): Promise<void> {
  const text = await readFile(config_path, "utf8");
  await writeFile(
    config_path,
    text
      .split("\n")
      .filter((line) => !line.startsWith("sentinel myid "))
      .join("\n"),
  );
}

void test("sentinel.conf's myid is the identity: a state file under another id follows it, epochs kept", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 0,
      agents: 2,
      quorum: 1,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
      nats_auth: false,
    });
    const [first, second] = cluster.agents;
    assert.ok(first && second);
    // The second agent has met the first and written that down (its state file).
    await cluster.waitForEvent((e) => e.name === "+sentinel" && e.agent === second.myid, {
      timeout_ms: 20_000,
    });
    await eventually("the second agent's state file", () => readState(second.dir), {
      timeout_ms: 20_000,
      interval_ms: 50,
    });
    const old_id = second.myid;
    await cluster.stopAgent(second, "SIGTERM");
    const before = await readState(second.dir);
    assert.equal(before.myid, old_id);
    await dropMyidLine(second.config_path);
    const mark = cluster.events.length;
    await cluster.restartAgent(second);
    const new_id = second.myid;
    assert.notEqual(new_id, old_id, "a sentinel.conf without myid gives a new identity");
    assert.match(await readFile(second.config_path, "utf8"), new RegExp(`^sentinel myid ${new_id}$`, "m"));
    const after = await readState(second.dir);
    assert.equal(after.myid, new_id, "the state file follows sentinel.conf");
    assert.equal(after.current_epoch, before.current_epoch);
    assert.equal(after.masters[0]?.config_epoch, before.masters[0]?.config_epoch);
    const replaced = second.process.process
      .logs()
      .split("\n")
      .filter((line) => line.includes('"event":"state_myid_replaced"'));
    assert.equal(replaced.length, 1, "one state_myid_replaced line");
    assert.ok(
      replaced[0]?.includes(`"previous_myid":"${old_id}"`) && replaced[0].includes(`"myid":"${new_id}"`),
    );
    // The peer learns it under the new id: its hellos (the core's myid) and its NATS inbox (the
    // file's) are one name again.
    await cluster.waitForEvent(
      (e) => e.name === "+sentinel" && e.agent === first.myid && e.text.includes(new_id),
      { timeout_ms: 20_000, since_index: mark },
    );
  });
});

void test("an agent whose NATS user names another myid than sentinel.conf's refuses to start, with a coded error", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 0,
      agents: 1,
      quorum: 1,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
    });
    const [agent] = cluster.agents;
    assert.ok(agent?.nats_credential, "NATS users are on");
    await cluster.stopAgent(agent, "SIGTERM");
    await dropMyidLine(agent.config_path);
    const service = await procs.spawnService({
      name: "agent-new-id",
      entry: AGENT_ENTRY,
      args: [agent.config_path],
      env: { ...agent.env },
    });
    const exit = await service.exited;
    assert.equal(exit.code, 2);
    const log = service.process.logs();
    assert.match(log, /"code":"SP_ERR_NATS_USER_MYID_MISMATCH"/);
    assert.match(log, new RegExp(`NATS user agent-${agent.myid} is bound to agent id ${agent.myid}`));
  });
});
