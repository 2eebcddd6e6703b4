// The pre-promotion fence hook end to end (issue 7): nats-server, a primary and two replicas with
// their data-nodes, three agents with `sentinel-plane pre-promote-script`, all real processes on
// loopback. The script runs on the leading agent before the promotion; its failure aborts.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { Cluster } from "@sentinel-plane/testkit";
import { THREE_AGENTS, EVENT_TIMEOUT_MS, discovered } from "./support/agents.js";
import { redisClient, redisPid } from "./support/redis.js";

const MASTER = "ppmaster";

/** A fresh directory for the script and its log, removed after the test. */
function scratch(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "sp-pre-promote-"));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/**
 * (Re)writes the script atomically (a new file renamed over the old one: bash may be reading the
 * old one right now). It logs its argv, its environment and the new primary's role at that
 * moment, then exits with `exit_code`.
 */
function writeScript(path: string, log: string, exit_code: number): void {
  const body = [
    "#!/bin/bash",
    `echo "argv=$*" >> ${log}`,
    `echo "env=$SP_MASTER $SP_EPOCH cwd=$(pwd)" >> ${log}`,
    `echo "role=$(redis-cli -h "$6" -p "$7" role | head -n 1)" >> ${log}`,
    `exit ${exit_code}`,
  ].join("\n");
  writeFileSync(`${path}.new`, `${body}\n`);
  chmodSync(`${path}.new`, 0o755);
  renameSync(`${path}.new`, path);
}

function logLines(log: string, prefix: string): string[] {
  let text: string;
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return []; // not written yet: the script has not run
  }
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${prefix}=`))
    .map((l) => l.slice(prefix.length + 1));
}

async function start(procs: Parameters<typeof startCluster>[0], script: string): Promise<Cluster> {
  return startCluster(procs, {
    ...THREE_AGENTS,
    master_name: MASTER,
    agent_lines: [
      `sentinel-plane pre-promote-script ${MASTER} ${script}`,
      `sentinel-plane pre-promote-timeout ${MASTER} 5000`,
    ],
  });
}

async function role(procs: Cluster["procs"], port: number): Promise<string> {
  const client = await redisClient(procs, port);
  const reply = (await client.call("ROLE")) as unknown[];
  return String(reply[0]);
}

void test("the script runs on the leader with Sentinel's argv before the replica is promoted", async (t) => {
  const dir = scratch(t);
  const script = join(dir, "fence.sh");
  const log = join(dir, "fence.log");
  writeScript(script, log, 0);
  await withProcesses(t, async (procs) => {
    const cluster = await start(procs, script);
    const [primary, r1, r2] = cluster.redis;
    assert.ok(primary && r1 && r2);
    await discovered(cluster);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");

    const ended = await cluster.waitForEvent((e) => e.name === "+failover-end", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const promoted = cluster.named("+promoted-slave", mark);
    assert.equal(promoted.length, 1, "one promotion");
    const promoted_event = promoted[0]?.event;
    assert.ok(promoted_event !== undefined);
    const new_port = [r1, r2].find((r) => promoted_event.text.includes(`:${r.port} `))?.port;
    assert.ok(new_port !== undefined, promoted_event.text);

    // Exactly the client-reconfig-script order, with the leader role and state pre-promote.
    const argv = logLines(log, "argv");
    assert.ok(argv.length >= 1, "the script ran");
    assert.equal(argv.at(-1), `${MASTER} leader pre-promote 127.0.0.1 ${primary.port} 127.0.0.1 ${new_port}`);
    // It ran before the promotion: the replica it was about to promote still said slave.
    assert.equal(logLines(log, "role").at(-1), "slave");
    assert.equal(logLines(log, "env").at(-1), `${MASTER} ${promoted_event.epoch} cwd=/`);

    // The leader's own order of events: pre-promote, then the promotion, same agent and epoch.
    const leader = promoted_event.agent;
    const mine = cluster.events
      .slice(mark)
      .map((s) => s.event)
      .filter((e) => e.agent === leader && e.epoch === promoted_event.epoch)
      .map((e) => e.name);
    const at = (name: string): number => mine.indexOf(name);
    assert.ok(at("+failover-state-pre-promote") >= 0, mine.join(" "));
    assert.ok(at("+failover-state-pre-promote") < at("+failover-state-send-slaveof-noone"), mine.join(" "));
    assert.ok(at("+failover-state-send-slaveof-noone") < at("+promoted-slave"));
    // Only the leader ran it: no other agent entered pre-promote in that epoch.
    const runners = new Set(
      cluster
        .named("+failover-state-pre-promote", mark)
        .filter((s) => s.event.epoch === promoted_event.epoch)
        .map((s) => s.event.agent),
    );
    assert.deepEqual([...runners], [leader]);
    assert.equal(ended.event.agent, leader);
    assert.equal(await role(procs, new_port), "master");
  });
});

void test("a failing script aborts the failover and promotes nothing; once it succeeds, the next attempt fails over", async (t) => {
  const dir = scratch(t);
  const script = join(dir, "fence.sh");
  const log = join(dir, "fence.log");
  writeScript(script, log, 1);
  await withProcesses(t, async (procs) => {
    const cluster = await start(procs, script);
    const [primary, r1, r2] = cluster.redis;
    assert.ok(primary && r1 && r2);
    await discovered(cluster);
    const mark = cluster.events.length;
    process.kill(await redisPid(procs, primary.port), "SIGKILL");

    const aborted = await cluster.waitForEvent((e) => e.name === "-failover-abort-pre-promote-failed", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    assert.match(
      aborted.event.text,
      new RegExp(`^master ${MASTER} 127\\.0\\.0\\.1 ${primary.port} #epoch \\d+ #reason exit-1$`),
    );
    assert.ok(logLines(log, "argv").length >= 1, "the script ran");
    // Nothing was promoted: no promotion command went out, both replicas are still replicas.
    const acted = cluster.events
      .slice(mark)
      .filter((s) =>
        ["+failover-state-send-slaveof-noone", "+promoted-slave", "+switch-master"].includes(s.event.name),
      );
    assert.deepEqual(
      acted.map((s) => s.event.name),
      [],
    );
    assert.equal(await role(procs, r1.port), "slave");
    assert.equal(await role(procs, r2.port), "slave");

    // The operator fixes the fence: the next attempt (a new epoch) goes through.
    const fixed = cluster.events.length;
    writeScript(script, log, 0);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: fixed,
    });
    assert.ok(switched.event.epoch > aborted.event.epoch);
    const promoted = cluster.named("+promoted-slave", mark);
    assert.equal(promoted.length, 1, "exactly one promotion in all");
    const new_port = [r1, r2].find((r) => promoted[0]?.event.text.includes(`:${r.port} `))?.port;
    assert.ok(new_port !== undefined);
    assert.equal(await role(procs, new_port), "master");
    assert.equal(logLines(log, "role").at(-1), "slave", "the successful run still preceded the promotion");
  });
});
