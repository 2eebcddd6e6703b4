import assert from "node:assert/strict";
import { test } from "node:test";
import {
  natsInboxPrefix,
  natsPermissions,
  natsUser,
  natsUserIdentity,
  renderNatsAuthorization,
} from "./nats-auth.js";
import {
  agentMessageSubject,
  agentsBroadcastSubject,
  nodeCommandSubject,
  nodeLeaseGrantFromSubject,
  nodeLeaseSubject,
  nodeStatusSubject,
  nodeSwitchoverSubject,
  journalStream,
  journalSubject,
} from "./subjects.js";

/** NATS subject matching: `*` one token, `>` one or more trailing tokens. */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split(".");
  const s = subject.split(".");
  for (let i = 0; i < p.length; i++) {
    if (p[i] === ">") return s.length > i;
    if (i >= s.length || (p[i] !== "*" && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

const allowed = (patterns: readonly string[], subject: string): boolean =>
  patterns.some((p) => matches(p, subject));

const A = "a".repeat(40);
const B = "b".repeat(40);

void test("an agent publishes as itself only; data-nodes are commanded, not impersonated", () => {
  const { publish, subscribe } = natsPermissions("c", { role: "agent", id: A });
  assert.ok(allowed(publish, agentsBroadcastSubject("c", A)));
  assert.ok(allowed(publish, agentMessageSubject("c", B, A)));
  assert.ok(allowed(publish, nodeCommandSubject("c", "n1")));
  assert.ok(allowed(publish, nodeLeaseGrantFromSubject("c", "n1", A)));
  assert.ok(allowed(publish, "$KV.sp_c_topology.mymaster"));
  assert.ok(!allowed(publish, agentsBroadcastSubject("c", B)), "claims another agent");
  assert.ok(!allowed(publish, agentMessageSubject("c", A, B)), "claims another agent");
  assert.ok(!allowed(publish, nodeLeaseGrantFromSubject("c", "n1", B)));
  assert.ok(!allowed(publish, nodeStatusSubject("c", "n1")), "a data-node's report");
  assert.ok(!allowed(publish, agentsBroadcastSubject("other", A)), "another cluster");
  assert.ok(allowed(subscribe, agentMessageSubject("c", A, B)));
  assert.ok(allowed(subscribe, nodeSwitchoverSubject("c", "n1")), "serves shutdown switchovers");
  assert.ok(!allowed(publish, nodeSwitchoverSubject("c", "n1")), "cannot ask as a data-node");
  assert.ok(!allowed(subscribe, agentMessageSubject("c", B, A)), "another agent's inbox");
  assert.ok(allowed(subscribe, `${natsInboxPrefix(natsUser({ role: "agent", id: A })) ?? "?"}.x`));
});

void test("a data-node publishes its own reports and reads only its own commands", () => {
  const { publish, subscribe, allow_responses } = natsPermissions("c", { role: "data-node", id: "n1" });
  assert.ok(allowed(publish, nodeStatusSubject("c", "n1")));
  assert.ok(allowed(publish, nodeLeaseSubject("c", "n1")));
  assert.ok(!allowed(publish, nodeStatusSubject("c", "n2")));
  assert.ok(allowed(publish, nodeSwitchoverSubject("c", "n1")), "asks for a switchover as itself");
  assert.ok(!allowed(publish, nodeSwitchoverSubject("c", "n2")), "not as another node");
  assert.ok(!allowed(publish, nodeCommandSubject("c", "n2")));
  assert.ok(!allowed(publish, agentsBroadcastSubject("c", A)));
  assert.ok(!allowed(publish, "$KV.sp_c_topology.mymaster"), "the KV is the agents' to write");
  assert.ok(!allowed(publish, "$JS.API.STREAM.CREATE.KV_sp_c_topology"));
  assert.ok(allowed(publish, "$JS.API.DIRECT.GET.KV_sp_c_topology.$KV.sp_c_topology.mymaster"));
  assert.ok(allowed(subscribe, nodeCommandSubject("c", "n1")));
  assert.ok(allowed(subscribe, nodeLeaseGrantFromSubject("c", "n1", A)));
  assert.ok(!allowed(subscribe, nodeCommandSubject("c", "n2")));
  assert.ok(!allowed(subscribe, "_INBOX.agent-x.y"), "another identity's replies");
  assert.equal(allow_responses, true);
});

void test("a vip-manager reads the topology and nothing else", () => {
  const { publish, subscribe } = natsPermissions("c", { role: "vip-manager", id: "h1" });
  assert.ok(publish.every((p) => p.startsWith("$JS.API.")));
  assert.ok(!allowed(publish, "$KV.sp_c_topology.mymaster"));
  assert.deepEqual(subscribe, ["_INBOX.vip-h1.>"]);
});

void test("the authorization block quotes values and keeps $VARIABLES as references", () => {
  const text = renderNatsAuthorization([
    { user: "admin", password: "$SP_NATS_PASS_ADMIN", permissions: null },
    { user: "node-n1", password: 'p"w', permissions: natsPermissions("c", { role: "data-node", id: "n1" }) },
  ]);
  assert.match(text, /user: "admin", password: \$SP_NATS_PASS_ADMIN \}/);
  assert.match(text, /password: "p\\"w"/);
  assert.match(text, /allow_responses: true/);
});

void test("only an agent appends to the journals, and only as itself", () => {
  const agent = natsPermissions("c", { role: "agent", id: A }).publish;
  assert.ok(allowed(agent, journalSubject("c", "history", A)));
  assert.ok(allowed(agent, journalSubject("c", "audit", A)));
  assert.ok(allowed(agent, `$JS.API.STREAM.CREATE.${journalStream("c", "history")}`));
  assert.ok(allowed(agent, `$JS.API.STREAM.MSG.GET.${journalStream("c", "audit")}`));
  assert.ok(!allowed(agent, journalSubject("c", "history", B)), "a record claiming another agent");
  assert.ok(!allowed(agent, `$JS.API.STREAM.PURGE.${journalStream("c", "audit")}`), "erasing the audit");
  assert.ok(!allowed(agent, `$JS.API.STREAM.DELETE.${journalStream("c", "audit")}`));
  for (const role of ["data-node", "vip-manager", "observer"] as const) {
    const { publish } = natsPermissions("c", { role, id: "n1" });
    for (const kind of ["history", "audit"] as const) {
      assert.ok(!allowed(publish, journalSubject("c", kind, A)), `${role} forges a ${kind} record`);
      assert.ok(!allowed(publish, `$JS.API.STREAM.CREATE.${journalStream("c", kind)}`), role);
      assert.ok(!allowed(publish, `$JS.API.STREAM.UPDATE.${journalStream("c", kind)}`), role);
    }
  }
});

void test("natsUserIdentity reads back the identity natsUser names, and nothing else", () => {
  const id = "0123456789abcdef0123456789abcdef01234567";
  assert.deepEqual(natsUserIdentity(natsUser({ role: "agent", id })), { role: "agent", id });
  assert.deepEqual(natsUserIdentity(natsUser({ role: "data-node", id: "n1" })), {
    role: "data-node",
    id: "n1",
  });
  assert.deepEqual(natsUserIdentity("observer-cli"), { role: "observer", id: "cli" });
  assert.equal(natsUserIdentity("admin"), null);
  assert.equal(natsUserIdentity("agent-"), null);
  assert.equal(natsUserIdentity("agent-a.b"), null);
});
