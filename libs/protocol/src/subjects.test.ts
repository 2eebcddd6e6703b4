import assert from "node:assert/strict";
import { test } from "node:test";
import {
  agentInboxSubject,
  agentMessageSubject,
  agentsBroadcastSubject,
  agentSubjectSender,
  allAgentsBroadcastSubject,
  decodeToken,
  encodeToken,
  eventsSubject,
  nodeCommandSubject,
  nodeLeaseGrantFromSubject,
  nodeLeaseGrantSubject,
  nodeStatusSubject,
  nodeSwitchoverSubject,
  allNodeSwitchoverSubject,
  topologyBucket,
  topologyKey,
  validateId,
} from "./subjects.js";

void test("subjects are namespaced by cluster", () => {
  assert.equal(nodeStatusSubject("prod-1", "n_2"), "sp.prod-1.node.n_2.status");
  assert.equal(nodeCommandSubject("prod-1", "n_2"), "sp.prod-1.node.n_2.cmd");
  assert.equal(agentMessageSubject("prod-1", "abc", "def"), "sp.prod-1.agent.abc.msg.def");
  assert.equal(agentInboxSubject("prod-1", "abc"), "sp.prod-1.agent.abc.msg.*");
  assert.equal(agentsBroadcastSubject("prod-1", "def"), "sp.prod-1.agents.def.msg");
  assert.equal(allAgentsBroadcastSubject("prod-1"), "sp.prod-1.agents.*.msg");
  assert.equal(nodeLeaseGrantFromSubject("prod-1", "n_2", "def"), "sp.prod-1.node.n_2.lease.grant.def");
  assert.equal(nodeLeaseGrantSubject("prod-1", "n_2"), "sp.prod-1.node.n_2.lease.grant.*");
  assert.equal(nodeSwitchoverSubject("prod-1", "n_2"), "sp.prod-1.node.n_2.switchover");
  assert.equal(allNodeSwitchoverSubject("prod-1"), "sp.prod-1.node.*.switchover");
  assert.equal(eventsSubject("prod-1", "mymaster"), "sp.prod-1.events.mymaster");
  assert.equal(topologyBucket("prod-1"), "sp_prod-1_topology");
});

void test("ids are validated", () => {
  assert.equal(validateId("node", "a".repeat(64)).ok, true);
  for (const bad of ["", "a".repeat(65), "a.b", "a*", "a>", "a b", "é"]) {
    const result = validateId("cluster", bad);
    assert.equal(result.ok, false, bad);
    assert.equal(result.error.code, "SP_ERR_INVALID_ID");
  }
  assert.throws(() => nodeStatusSubject("a.b", "n"), { code: "SP_ERR_INVALID_ID" });
});

void test("master names are encoded reversibly into one safe token", () => {
  for (const name of ["mymaster", "my.master", "a b*>", "é=x", "", "=41"]) {
    const token = encodeToken(name);
    assert.match(token, /^[A-Za-z0-9_=-]+$/);
    assert.deepEqual(decodeToken(token), { ok: true, value: name });
  }
  assert.equal(topologyKey("my.master"), "my=2Emaster");
  assert.equal(eventsSubject("c", "a.b"), "sp.c.events.a=2Eb");
  assert.equal(decodeToken("a=zz").ok, false);
  assert.equal(decodeToken("a.b").ok, false);
});

void test("the sender an agent subject names is the one a permission binds", () => {
  assert.equal(agentSubjectSender(agentsBroadcastSubject("c", "a1")), "a1");
  assert.equal(agentSubjectSender(agentMessageSubject("c", "a1", "a2")), "a2");
  assert.equal(agentSubjectSender(nodeLeaseGrantFromSubject("c", "n1", "a3")), "a3");
  for (const other of [
    nodeStatusSubject("c", "n1"),
    "sp.c.agents.msg",
    "x.c.agents.a1.msg",
    "sp.c.agents.*.msg",
  ]) {
    assert.equal(agentSubjectSender(other), null, other);
  }
});
