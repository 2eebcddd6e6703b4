// The failsafe lease token is bound to its data-node (issue 14 follow-up): with real agents and
// data-nodes (`failsafe: true`, one lease token per data-node, `rest-token <t> lease <node-id>`),
// a holder of one data-node's token who asks a lease for another node is refused with
// SP_ERR_LEASE_NODE_MISMATCH and the agent logs the node it claimed; the same token asking for
// its own node gets the core's grant.
import assert from "node:assert/strict";
import { test } from "node:test";
import { leaseTokenOf, REST_TOKEN_DEFAULT, startCluster, withProcesses } from "@sentinel-plane/testkit";
import { DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS } from "./support/agents.js";

async function askLease(
  rest_port: number,
  token: string,
  node_id: string,
  port: number,
): Promise<{ readonly status: number; readonly body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${rest_port}/v1/internal/lease`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      v: 1,
      type: "lease_request",
      node_id,
      master_name: "mymaster",
      address: { host: "127.0.0.1", port },
      epoch: 0,
      seq: 1,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

void test("a data-node's lease token asks for its own node only; another node's lease is refused and logged", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, {
      replicas: 1,
      agents: 1,
      quorum: 1,
      down_after_ms: DOWN_AFTER_MS,
      failover_timeout_ms: FAILOVER_TIMEOUT_MS,
      failsafe: true,
    });
    const [agent] = cluster.agents;
    const [primary, replica] = cluster.redis;
    assert.ok(agent && primary && replica);
    const since = agent.process.lineCount();

    // The replica's token, claiming the primary: refused before the core sees it.
    const forged = await askLease(
      agent.rest_port,
      leaseTokenOf(replica.node_id),
      primary.node_id,
      primary.port,
    );
    assert.equal(forged.status, 403, JSON.stringify(forged.body));
    assert.equal(forged.body["code"], "SP_ERR_LEASE_NODE_MISMATCH");
    assert.match(
      String(forged.body["detail"]),
      new RegExp(`for data-node ${replica.node_id}; the request claims data-node ${primary.node_id}`),
    );
    const logged = await agent.process.waitForLog(
      (r) => r["event"] === "lease_node_mismatch" && r["claimed_node"] === primary.node_id,
      { timeout_ms: 10_000, since },
    );
    assert.deepEqual(logged["token_nodes"], [replica.node_id]);

    // The same token for its own node: the core's grant, in the wire form.
    const own = await askLease(agent.rest_port, leaseTokenOf(replica.node_id), replica.node_id, replica.port);
    assert.equal(own.status, 200, JSON.stringify(own.body));
    assert.equal(own.body["type"], "lease_grant");
    assert.equal(own.body["node_id"], replica.node_id);

    // An admin token is no lease token, and a lease token changes nothing else.
    const admin = await askLease(agent.rest_port, REST_TOKEN_DEFAULT, replica.node_id, replica.port);
    assert.equal(admin.status, 403);
    assert.equal(admin.body["code"], "SP_ERR_FORBIDDEN");
  });
});
