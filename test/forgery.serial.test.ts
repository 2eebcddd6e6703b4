// Forged control-plane messages (issue 14), with real processes and NATS authorization on (the
// harness default): an unauthenticated client, a data-node's own credential and an agent's own
// credential try the attacks of the issue. Each is refused by the server's permissions or by the
// receiving agents, and no agent's view or epoch and no data-node's epoch changes.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import {
  agentMessageSubject,
  agentsBroadcastSubject,
  journalSubject,
  decodeNodeCommandReply,
  natsInboxPrefix,
  nodeCommandSubject,
} from "@sentinel-plane/protocol";
import type { NodeCommandReply } from "@sentinel-plane/protocol";
import type { AgentNode, Cluster, NatsCredential } from "@sentinel-plane/testkit";
import { startCluster, withProcesses } from "@sentinel-plane/testkit";
import { discovered, writable } from "./support/agents.js";
import { redisClient } from "./support/redis.js";

const HUGE_EPOCH = Number.MAX_SAFE_INTEGER;
const FAKE_AGENT = "e".repeat(40);
const encoder = new TextEncoder();

interface AgentView {
  readonly address: string;
  readonly quorum: number;
  readonly config_epoch: number;
  readonly current_epoch: number;
}

async function viewOf(agent: AgentNode): Promise<AgentView> {
  const response = await fetch(`http://127.0.0.1:${agent.rest_port}/v1/masters/mymaster`, {
    signal: AbortSignal.timeout(5000),
  });
  assert.equal(response.status, 200, `agent ${agent.index} still monitors mymaster`);
  const master = (await response.json()) as {
    address: { host: string; port: number };
    quorum: number;
    config_epoch: number;
  };
  const state = JSON.parse(await readFile(join(agent.dir, "sentinel-plane-state.json"), "utf8")) as {
    current_epoch: number;
  };
  return {
    address: `${master.address.host}:${master.address.port}`,
    quorum: master.quorum,
    config_epoch: master.config_epoch,
    current_epoch: state.current_epoch,
  };
}

function views(cluster: Cluster): Promise<AgentView[]> {
  return Promise.all(cluster.agents.map(viewOf));
}

/** A connection as `credential`, with that identity's inbox prefix; its async errors collected. */
async function connectAs(
  cluster: Cluster,
  credential: NatsCredential,
): Promise<{ nc: NatsConnection; errors: string[] }> {
  const prefix = natsInboxPrefix(credential.user);
  const nc = await connect({
    servers: cluster.nats.url,
    user: credential.user,
    pass: credential.pass,
    timeout: 2000,
    reconnect: false,
    ...(prefix === null ? {} : { inboxPrefix: prefix }),
  });
  cluster.procs.onCleanup(() => nc.close());
  const errors: string[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "error") errors.push(status.error.message);
    }
  })();
  return { nc, errors };
}

function hello(from: string): Record<string, unknown> {
  return {
    v: 1,
    type: "hello",
    from,
    announce: { host: "127.0.0.1", port: 1 },
    current_epoch: HUGE_EPOCH,
    master_name: "mymaster",
    master_address: { host: "127.0.0.1", port: 1 },
    config_epoch: HUGE_EPOCH,
  };
}

function admin(from: string, command: Record<string, unknown>): Record<string, unknown> {
  return { v: 1, type: "admin", from, command };
}

function body(message: Record<string, unknown>): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

/** Resolves once the server has logged the refusal of `user` publishing to `subject`. */
async function serverRefused(cluster: Cluster, user: string, subject: string): Promise<void> {
  await cluster.nats.process.waitForLine(
    (line) =>
      line.includes("Publish Violation") && line.includes(`"${user}"`) && line.includes(`"${subject}"`),
    { timeout_ms: 10_000 },
  );
}

void test("forged hello, admin and fence messages are refused; no agent or data-node state changes", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 3,
      quorum: 2,
      down_after_ms: 1000,
      failover_timeout_ms: 10_000,
    });
    const [primary, replica] = cluster.redis;
    const [a0, a1, a2] = cluster.agents;
    assert.ok(primary && replica && a0 && a1 && a2);
    assert.ok(replica.nats_credential && a0.nats_credential, "NATS authorization is on");
    await discovered(cluster);
    await writable(cluster, primary.port);
    const before = await views(cluster);
    for (const v of before) assert.equal(v.address, `127.0.0.1:${primary.port}`);
    const c = cluster.cluster_id;

    // 1. No credential: the server refuses the connection itself.
    await assert.rejects(
      connect({ servers: cluster.nats.url, timeout: 2000, reconnect: false }),
      /authorization violation/i,
    );

    // 2. A data-node's own credential: every forgery is a publish its user is not allowed.
    const node = await connectAs(cluster, replica.nats_credential);
    const node_user = replica.nats_credential.user;
    const forged = [
      { subject: agentsBroadcastSubject(c, FAKE_AGENT), message: hello(FAKE_AGENT) },
      { subject: agentsBroadcastSubject(c, a0.myid), message: hello(a0.myid) },
      {
        subject: agentsBroadcastSubject(c, a0.myid),
        message: admin(a0.myid, { type: "set", name: "mymaster", settings: { quorum: 1000 } }),
      },
      {
        subject: agentMessageSubject(c, a1.myid, a0.myid),
        message: admin(a0.myid, { type: "remove", name: "mymaster" }),
      },
      // A forged failover record and audit entry in the durable journals (JetStream).
      {
        subject: journalSubject(c, "history", a0.myid),
        message: { v: 1, type: "failover_record", agent: a0.myid, master: "mymaster", epoch: 999 },
      },
      {
        subject: journalSubject(c, "audit", a0.myid),
        message: { v: 1, type: "audit_record", agent: a0.myid, action: "SENTINEL RESET" },
      },
    ];
    for (const { subject, message } of forged) {
      node.nc.publish(subject, body(message));
      await serverRefused(cluster, node_user, subject);
    }
    // A fence of the primary with a huge epoch, as a request to the other data-node.
    const fence_subject = nodeCommandSubject(c, primary.node_id);
    await assert.rejects(
      node.nc.request(
        fence_subject,
        body({ v: 1, type: "node_command", epoch: 1_000_000, issuer: "evil", command: { type: "fence" } }),
        { timeout: 5000 },
      ),
      /permissions violation/i,
    );
    await serverRefused(cluster, node_user, fence_subject);
    assert.ok(
      node.errors.some((e) => /permissions violation/i.test(e)),
      `the client was told: ${node.errors.join("; ")}`,
    );

    // 3. An agent's own credential claiming to be another agent: the server lets agent 0 publish
    // on its own subjects, the receivers refuse a `from` that is not the subject's sender.
    const agent = await connectAs(cluster, a0.nats_credential);
    agent.nc.publish(agentsBroadcastSubject(c, a0.myid), body(hello(a1.myid)));
    agent.nc.publish(
      agentMessageSubject(c, a2.myid, a0.myid),
      body(admin(a1.myid, { type: "set", name: "mymaster", settings: { quorum: 1000 } })),
    );
    agent.nc.publish(
      agentMessageSubject(c, a2.myid, a0.myid),
      body(admin(a1.myid, { type: "remove", name: "mymaster" })),
    );
    await agent.nc.flush();
    const refusedBy = (receiver: AgentNode, type: string): Promise<unknown> =>
      receiver.process.waitForLog(
        (r) => r["event"] === "forged_message" && r["claimed_from"] === a1.myid && r["type"] === type,
        { timeout_ms: 10_000 },
      );
    await Promise.all([refusedBy(a1, "hello"), refusedBy(a2, "hello"), refusedBy(a2, "admin")]);
    // The same connection cannot even claim agent 1's subject.
    const a1_subject = agentsBroadcastSubject(c, a1.myid);
    agent.nc.publish(a1_subject, body(hello(a1.myid)));
    await serverRefused(cluster, a0.nats_credential.user, a1_subject);

    // Nothing changed: the same primary, quorum and epochs on every agent...
    assert.deepEqual(await views(cluster), before);
    for (const v of before) assert.ok(v.current_epoch < 1000, `epoch ${v.current_epoch}`);
    assert.equal(
      cluster.named("+switch-master").length,
      0,
      cluster
        .named("+switch-master")
        .map((s) => s.event.text)
        .join("; "),
    );
    // ...and the primary is neither fenced nor at the forged epoch: it takes writes.
    const status = await cluster.nc.request(
      fence_subject,
      body({ v: 1, type: "node_command", epoch: 0, issuer: "test", command: { type: "status" } }),
      { timeout: 5000 },
    );
    const reply = decodeNodeCommandReply(status.data);
    assert.ok(reply.ok, "a decodable reply");
    const answer: NodeCommandReply = reply.value;
    assert.ok(answer.epoch < 1_000_000, `data-node epoch ${answer.epoch}`);
    assert.notEqual(answer.epoch_issuer, "evil");
    const client = await redisClient(procs, primary.port);
    assert.equal(await client.set("after-forgeries", "1"), "OK");
  });
});
