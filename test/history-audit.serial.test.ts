// Durable failover history and audit log, and forgetting the dead (issue 18, items 6 and 7), with
// real processes and NATS authorization on: the records live in JetStream, so they outlive every
// agent; a replica killed for good is forgotten after forget-after with `-slave`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import type { AgentNode } from "@sentinel-plane/testkit";
import { discovered, EVENT_TIMEOUT_MS, THREE_AGENTS, writable } from "./support/agents.js";
import { eventually, redisClient, redisPid } from "./support/redis.js";

const USER_AGENT = "history-audit-test/1";

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function rest(
  agent: AgentNode,
  method: string,
  path: string,
  options: { readonly body?: unknown; readonly token?: string | null } = {},
): Promise<Answer> {
  const token = options.token === undefined ? REST_TOKEN_DEFAULT : options.token;
  const response = await fetch(`http://127.0.0.1:${agent.rest_port}${path}`, {
    method,
    headers: {
      "user-agent": USER_AGENT,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

interface HistoryEntry {
  seq: number;
  master: string;
  epoch: number;
  leader: string;
  outcome: string;
  from: { port: number } | null;
  to: { port: number } | null;
  events: { name: string }[];
}

interface AuditEntry {
  seq: number;
  agent: string;
  channel: string;
  who: { address: string; principal: string | null; client: string | null };
  action: string;
  args: string[];
  outcome: string;
}

/** Every page of a journal route, following next_before, with `limit` per page. */
async function allPages<T>(agent: AgentNode, path: string, key: string, limit: number): Promise<T[]> {
  const out: T[] = [];
  let before: number | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const query = `limit=${limit}${before === null ? "" : `&before=${before}`}`;
    const answer = await rest(agent, "GET", `${path}?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const items = answer.body[key] as T[];
    assert.ok(items.length <= limit);
    out.push(...items);
    before = answer.body["next_before"] as number | null;
    if (before === null) return out;
  }
  throw new Error("more than 100 pages");
}

void test("history and audit survive a restart of every agent, and page by stream sequence", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS });
    const [primary] = cluster.redis;
    const [a0, a1, a2] = cluster.agents;
    assert.ok(primary && a0 && a1 && a2);
    await discovered(cluster);
    await writable(cluster, primary.port);
    const name = cluster.master_name;

    // Changes: through REST (one refused: wrong token), and through the Sentinel port.
    assert.equal((await rest(a1, "PATCH", `/v1/masters/${name}`, { body: { quorum: 2 } })).status, 200);
    const refused = await rest(a1, "PATCH", `/v1/masters/${name}`, {
      body: { quorum: 1 },
      token: "wrong-token",
    });
    assert.equal(refused.status, 401);
    const sentinel = await redisClient(procs, a2.sentinel_port);
    await sentinel.call("CLIENT", "SETNAME", "resp-auditor");
    assert.equal(await sentinel.call("SENTINEL", "SET", name, "failover-timeout", "10000"), "OK");
    const mark = cluster.events.length;
    assert.equal((await rest(a0, "POST", `/v1/masters/${name}/failover`)).status, 202);
    const switched = await cluster.waitForEvent((e) => e.name === "+switch-master", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    const end = await cluster.waitForEvent((e) => e.name === "+failover-end", {
      timeout_ms: EVENT_TIMEOUT_MS,
      since_index: mark,
    });
    // The leader appends the record when the failover ends: wait until it is readable.
    const written = await eventually(
      "the failover's durable record",
      async () => {
        const page = await rest(a0, "GET", `/v1/history?master=${name}`);
        const failovers = (page.body["failovers"] ?? []) as HistoryEntry[];
        return failovers.find((f) => f.outcome === "end") ?? null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
    assert.equal(written.leader, end.event.agent);

    // Every agent restarted: nothing of the above is in any process's memory any more.
    for (const agent of cluster.agents) await cluster.restartAgent(agent);
    const live = await rest(a2, "GET", "/v1/failovers");
    assert.deepEqual(live.body["failovers"], [], "the in-memory list starts empty after a restart");

    const history = await allPages<HistoryEntry>(a2, "/v1/history", "failovers", 1);
    const ends = history.filter((f) => f.outcome === "end");
    assert.equal(
      ends.length,
      1,
      `one record per failover, whichever agents saw it: ${JSON.stringify(history)}`,
    );
    const [failover] = ends;
    assert.ok(failover);
    assert.equal(failover.master, name);
    assert.equal(failover.leader, end.event.agent);
    assert.equal(failover.epoch, end.event.epoch);
    assert.equal(failover.from?.port, primary.port);
    assert.equal(switched.event.text.split(" ")[4], String(failover.to?.port));
    const names = failover.events.map((e) => e.name);
    for (const step of [
      "+elected-leader",
      "+selected-slave",
      "+promoted-slave",
      "+switch-master",
      "+failover-end",
    ])
      assert.ok(names.includes(step), `${step} in ${names.join(",")}`);

    const full = await rest(a2, "GET", "/v1/audit?limit=500");
    assert.equal(full.status, 200, JSON.stringify(full.body));
    const audit = full.body["entries"] as AuditEntry[];
    const paged = await allPages<AuditEntry>(a2, "/v1/audit", "entries", 2);
    assert.deepEqual(
      paged.map((e) => e.seq),
      audit.map((e) => e.seq),
      "pages of 2 give the same records, newest first",
    );
    for (let i = 1; i < audit.length; i++) assert.ok((audit[i - 1]?.seq ?? 0) > (audit[i]?.seq ?? 0));
    const find = (action: string, outcome: string): AuditEntry => {
      const entry = audit.find((e) => e.action === action && e.outcome === outcome);
      assert.ok(entry, `${action} ${outcome} in ${JSON.stringify(audit)}`);
      return entry;
    };
    const patched = find("PATCH /v1/masters/:name", "ok");
    assert.equal(patched.agent, a1.myid);
    assert.equal(patched.channel, "rest");
    assert.match(patched.who.principal ?? "", /^admin token sha256:[0-9a-f]{8}$/);
    assert.equal(patched.who.client, USER_AGENT);
    assert.deepEqual(patched.args, [name, "quorum=2"]);
    const denied = find("PATCH /v1/masters/:name", "SP_ERR_UNAUTHORIZED");
    assert.equal(denied.who.principal, null);
    const set = find("SENTINEL SET", "ok");
    assert.equal(set.channel, "resp");
    assert.equal(set.agent, a2.myid);
    assert.match(set.who.client ?? "", /resp-auditor/);
    assert.match(set.who.address, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(set.args, [name, "failover-timeout", "10000"]);
    const failed_over = find("POST /v1/masters/:name/failover", "ok");
    assert.equal(failed_over.agent, a0.myid);
    assert.ok(!JSON.stringify(audit).includes(REST_TOKEN_DEFAULT), "no token in the audit log");

    // The audit needs operate or admin: anonymous reads are refused.
    assert.equal((await rest(a2, "GET", "/v1/audit", { token: null })).status, 401);
  });
});

void test("a replica killed for good is forgotten after forget-after, with -slave, on every agent; rediscovered when back", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { ...THREE_AGENTS });
    const [primary, doomed, survivor] = cluster.redis;
    const [a0] = cluster.agents;
    assert.ok(primary && doomed && survivor && a0);
    await discovered(cluster);
    const forget_after_ms = 3000;
    const set = await rest(a0, "PATCH", `/v1/masters/${cluster.master_name}`, {
      body: { forget_after_ms },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    // Each agent applied it (SENTINEL SET propagates): +set forget-after from all three.
    await eventually(
      "forget-after set everywhere",
      () =>
        Promise.resolve(
          new Set(
            cluster
              .named("+set")
              .filter((s) => s.event.text.includes("forget-after"))
              .map((s) => s.event.agent),
          ).size === cluster.agents.length
            ? true
            : null,
        ),
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    // For good: its data-node first (no restart of the server), then the server.
    const pid = await redisPid(procs, doomed.port);
    const mark = cluster.events.length;
    doomed.dataNode.kill("SIGKILL");
    await doomed.dataNode.exited;
    process.kill(pid, "SIGKILL");
    const killed_ms = performance.now();
    const key = `127.0.0.1:${doomed.port}`;
    await eventually(
      "-slave on every agent",
      () =>
        Promise.resolve(
          new Set(
            cluster
              .named("-slave", mark)
              .filter((s) => s.event.text.startsWith(`slave ${key} `))
              .map((s) => s.event.agent),
          ).size === cluster.agents.length
            ? true
            : null,
        ),
      { timeout_ms: forget_after_ms + EVENT_TIMEOUT_MS, interval_ms: 50 },
    );
    const first = cluster.named("-slave", mark)[0];
    assert.ok(first);
    assert.ok(
      first.received_ms - killed_ms >= forget_after_ms - 1000,
      "not before forget-after (less a ping period)",
    );
    assert.match(first.event.text, /#not seen for \d+ ms$/);
    assert.ok(
      cluster.named("-slave", mark).every((s) => s.event.text.startsWith(`slave ${key} `)),
      "only the dead one",
    );
    const replicas = await rest(a0, "GET", `/v1/masters/${cluster.master_name}/replicas`);
    const listed = (replicas.body["replicas"] as { address: { port: number } }[]).map((r) => r.address.port);
    assert.deepEqual(listed, [survivor.port]);
    const metrics = await (await fetch(`http://127.0.0.1:${a0.rest_port}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`sp_forgotten_total\\{master="${cluster.master_name}",kind="replica"\\} 1`),
    );

    // It comes back (a new data-node starts its server again, a replica of the primary): it is
    // rediscovered the usual way, from the primary's INFO (+slave), and listed again.
    const back = cluster.events.length;
    await cluster.restartDataNode(doomed);
    await redisPid(procs, doomed.port); // adopted: stopped with the test
    await cluster.waitForEvent((e) => e.name === "+slave" && e.text.startsWith(`slave ${key} `), {
      timeout_ms: EVENT_TIMEOUT_MS + 10_000, // the primary's INFO comes every 10 s
      since_index: back,
    });
    await eventually(
      "listed again",
      async () => {
        const again = await rest(a0, "GET", `/v1/masters/${cluster.master_name}/replicas`);
        const ports = (again.body["replicas"] as { address: { port: number } }[]).map((r) => r.address.port);
        return ports.includes(doomed.port) ? true : null;
      },
      { timeout_ms: EVENT_TIMEOUT_MS, interval_ms: 100 },
    );
  });
});
