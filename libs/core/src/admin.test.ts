import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { Harness, PRIMARY, R1, R2, SETTINGS, eventTexts, masterInfo, sends } from "./test-support.js";
import type { AdminCommand, Effect } from "./types.js";

function admin(h: Harness, command: AdminCommand): Effect & { type: "admin_reply" } {
  const effects = h.input({ type: "admin", now_ms: h.now_ms, command, request_id: 7 });
  const reply = effects.find((e) => e.type === "admin_reply");
  assert.ok(reply?.type === "admin_reply" && reply.request_id === 7);
  return reply;
}

void test("manual failover errors as Sentinel", () => {
  const h = new Harness();
  assert.equal(admin(h, { type: "failover", name: "nope" }).message, "ERR No such master with that name");
  const none = admin(h, { type: "failover", name: "mymaster" });
  assert.deepEqual([none.ok, none.code], [false, "NOGOODSLAVE"]);
  h.live(1500, true); // replicas discovered, INFO fresh
  const ok = admin(h, { type: "failover", name: "mymaster" });
  assert.equal(ok.ok, true);
  const request = sends(h.log).find((m) => m.type === "vote_request");
  assert.ok(request?.type === "vote_request" && request.manual);
  assert.equal(admin(h, { type: "failover", name: "mymaster" }).code, "INPROG");
});

void test("monitor, set, remove: validated, persisted, propagated", () => {
  const h = new Harness();
  const bad = admin(h, { type: "monitor", name: "", address: PRIMARY, settings: SETTINGS });
  assert.equal(bad.ok, false);
  const bad_quorum = admin(h, {
    type: "monitor",
    name: "m2",
    address: PRIMARY,
    settings: { ...SETTINGS, quorum: 0 },
  });
  assert.equal(bad_quorum.ok, false);
  const address = { host: "10.1.1.1", port: 7000 };
  const effects = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "monitor", name: "m2", address, settings: SETTINGS },
  });
  assert.ok(eventTexts(effects).includes("+monitor master m2 10.1.1.1 7000 quorum 2"));
  const persist_at = effects.findIndex((e) => e.type === "persist");
  const send_at = effects.findIndex((e) => e.type === "send" && e.message.type === "admin");
  assert.ok(persist_at >= 0 && persist_at < send_at);
  const again = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 2,
    command: { type: "monitor", name: "m2", address, settings: SETTINGS },
  });
  assert.ok(
    again.some((e) => e.type === "admin_reply" && e.ok),
    "the same MONITOR again (each Sentinel configured in turn) succeeds",
  );
  assert.ok(!again.some((e) => e.type === "send" || e.type === "persist"), "and changes nothing");
  const moved = { host: "10.1.1.1", port: 7001 };
  assert.equal(
    admin(h, { type: "monitor", name: "m2", address: moved, settings: SETTINGS }).message,
    "ERR Duplicate master name.",
  );
  const other_quorum = { ...SETTINGS, quorum: 3 };
  assert.equal(
    admin(h, { type: "monitor", name: "m2", address, settings: other_quorum }).message,
    "ERR Duplicate master name.",
  );
  assert.equal(admin(h, { type: "set", name: "m2", settings: { down_after_ms: -5 } }).ok, false);
  assert.equal(admin(h, { type: "set", name: "m2", settings: { down_after_ms: 5000 } }).ok, true);
  assert.equal(masterView(h.state, "m2")?.settings.down_after_ms, 5000);
  assert.ok(eventTexts(h.log).includes("+set master m2 10.1.1.1 7000 down-after-milliseconds 5000"));
  assert.equal(admin(h, { type: "remove", name: "m2" }).ok, true);
  assert.equal(masterView(h.state, "m2"), null);
  assert.equal(admin(h, { type: "reset", pattern: "my*" }).message, "1");
});

void test("a propagated MONITOR of a master this agent was just given itself changes nothing", () => {
  const h = new Harness();
  const address = { host: "10.1.1.1", port: 7000 };
  admin(h, { type: "monitor", name: "m2", address, settings: SETTINGS });
  admin(h, { type: "set", name: "m2", settings: { down_after_ms: 2000 } });
  const effects = h.peer({
    type: "admin",
    from: "b".repeat(40),
    command: { type: "monitor", name: "m2", address, settings: SETTINGS },
  });
  assert.equal(masterView(h.state, "m2")?.settings.down_after_ms, 2000);
  assert.ok(!effects.some((e) => e.type === "send" || e.type === "persist"));
});

void test("a propagated admin change applies without reply or re-broadcast", () => {
  const h = new Harness();
  const effects = h.peer({
    type: "admin",
    from: "b".repeat(40),
    command: { type: "remove", name: "mymaster" },
  });
  assert.equal(masterView(h.state, "mymaster"), null);
  assert.ok(!effects.some((e) => e.type === "send" || e.type === "admin_reply"));
});

void test("every refusal carries its registry code and the text without Sentinel's prefix", () => {
  const h = new Harness();
  const cases: [AdminCommand, string, string][] = [
    [{ type: "failover", name: "nope" }, "SP_ERR_UNKNOWN_MASTER", "No such master with that name"],
    [{ type: "remove", name: "nope" }, "SP_ERR_UNKNOWN_MASTER", "No such master with that name"],
    [{ type: "failover", name: "mymaster" }, "SP_ERR_NO_GOOD_REPLICA", "No suitable replica to promote"],
    [
      { type: "monitor", name: "mymaster", address: { host: "10.9.9.9", port: 1 }, settings: SETTINGS },
      "SP_ERR_MASTER_EXISTS",
      "Duplicate master name.",
    ],
    [{ type: "set", name: "mymaster", settings: {} }, "SP_ERR_ADMIN_REFUSED", "No option to set"],
    [
      { type: "pause", name: "nope", duration_ms: 60_000, by: "test" },
      "SP_ERR_UNKNOWN_MASTER",
      "No such master with that name",
    ],
  ];
  for (const [command, code, detail] of cases) {
    const reply = admin(h, command);
    assert.equal(reply.ok, false, command.type);
    assert.deepEqual(reply.error, { code, detail }, command.type);
    assert.ok(reply.message.endsWith(` ${detail}`), reply.message);
  }
  h.live(1500, true);
  assert.equal(admin(h, { type: "failover", name: "mymaster" }).ok, true);
  const busy = admin(h, { type: "failover", name: "mymaster" });
  assert.deepEqual(busy.error, {
    code: "SP_ERR_FAILOVER_IN_PROGRESS",
    detail: "Failover already in progress",
  });
  assert.equal(admin(h, { type: "set", name: "mymaster", settings: { quorum: 2 } }).error, undefined);
});

void test("REMOVE deletes the committed record (compare-and-delete), so a new MONITOR starts from none", () => {
  const h = new Harness();
  const record = {
    master_name: "mymaster",
    config_epoch: 5,
    primary: PRIMARY,
    replicas: [],
    leader: "b".repeat(40),
  };
  h.input({ type: "topology_observed", now_ms: h.now_ms, record, revision: 3 });
  const effects = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "remove", name: "mymaster" },
  });
  const forget_at = effects.findIndex((e) => e.type === "forget_topology");
  assert.deepEqual(effects[forget_at], {
    type: "forget_topology",
    master_name: "mymaster",
    expected_revision: 3,
  });
  const persist_at = effects.findIndex((e) => e.type === "persist");
  assert.ok(persist_at >= 0 && persist_at < forget_at, "the removal is durable before the record goes");
  const moved = { host: "10.1.1.9", port: 7009 };
  assert.equal(admin(h, { type: "monitor", name: "mymaster", address: moved, settings: SETTINGS }).ok, true);
  const again = masterView(h.state, "mymaster");
  assert.deepEqual([again?.address, again?.config_epoch], [moved, 0]);
  assert.equal(
    h.state.masters.get("mymaster")?.topology_revision,
    0,
    "the old record's revision is not kept",
  );
});

void test("a propagated REMOVE deletes the record too; a master never recorded has none to delete", () => {
  const h = new Harness();
  const record = {
    master_name: "mymaster",
    config_epoch: 1,
    primary: PRIMARY,
    replicas: [],
    leader: "b".repeat(40),
  };
  h.input({ type: "topology_observed", now_ms: h.now_ms, record, revision: 2 });
  const effects = h.peer({
    type: "admin",
    from: "b".repeat(40),
    command: { type: "remove", name: "mymaster" },
  });
  assert.ok(effects.some((e) => e.type === "forget_topology" && e.expected_revision === 2));
  const address = { host: "10.1.1.1", port: 7000 };
  admin(h, { type: "monitor", name: "m2", address, settings: SETTINGS });
  const removed = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 3,
    command: { type: "remove", name: "m2" },
  });
  assert.ok(!removed.some((e) => e.type === "forget_topology"));
});

void test("REMOVE lifts the direct fence of the replicas, never the primary's nor a data-node's", () => {
  const h = new Harness();
  h.live(1500, true); // R1 and R2 discovered, both report role slave
  // The old primary demoted a moment ago: our last INFO of it still says master.
  const demoted = { host: "10.0.0.4", port: 6379 };
  for (let ms = 0; ms < 11_000; ms += 100) {
    h.now_ms += 100;
    const tick = h.input({ type: "tick", now_ms: h.now_ms });
    const others = tick.filter((e) => e.type !== "probe" || e.target.host !== demoted.host);
    h.answerProbes(others, true, [R1, R2, demoted]);
    for (const e of tick) {
      if (e.type !== "probe" || e.target.host !== demoted.host || e.kind !== "info") continue;
      const info = masterInfo([]);
      h.input({
        type: "probe_result",
        now_ms: h.now_ms,
        probe_id: e.probe_id,
        target: e.target,
        result: { kind: "info", ok: true, info },
      });
    }
  }
  assert.equal(h.state.masters.get("mymaster")?.replicas.get("10.0.0.4:6379")?.info?.role, "master");
  assert.equal(h.state.masters.get("mymaster")?.replicas.size, 3);
  h.input({
    type: "node_report",
    now_ms: h.now_ms,
    report: {
      node_id: "n2",
      address: R2,
      supervised: true,
      process: { state: "running" },
      fenced: true,
      epoch: 0,
      seq: 1,
    },
  });
  const effects = h.input({
    type: "admin",
    now_ms: h.now_ms,
    request_id: 1,
    command: { type: "remove", name: "mymaster" },
  });
  const unfenced = effects.flatMap((e) =>
    e.type === "node_command" && e.command.type === "unfence" && e.command.replica_only === true
      ? [e.target]
      : [],
  );
  // R2's data-node owns its fence; the primary may be mid-switchover at an agent that has not
  // applied the REMOVE yet: only R1 and the demoted one, commanded directly, are released, each
  // only if the server is a replica when the command runs (replica_only), whatever our INFO said.
  assert.deepEqual(unfenced, [R1, demoted]);
  assert.equal(effects.filter((e) => e.type === "node_command").length, 2);
  assert.ok(
    eventTexts(effects).includes("+unfence-slave slave 10.0.0.2:6379 10.0.0.2 6379 @ mymaster 10.0.0.1 6379"),
  );
  const reply_at = effects.findIndex((e) => e.type === "admin_reply");
  const command_at = effects.findIndex((e) => e.type === "node_command");
  assert.ok(command_at < reply_at, "the reply comes after the release was sent (the shell awaits it)");
});

void test("FAILOVER while just-discovered replicas await their first INFO is accepted (the run waits for it)", () => {
  const h = new Harness();
  const replica_info = (e: Effect): boolean =>
    e.type === "probe" && e.kind === "info" && e.target.host !== PRIMARY.host;
  h.live(300, true, replica_info); // the primary's INFO lists the replicas; theirs is not back
  assert.ok((masterView(h.state, "mymaster")?.replicas ?? 0) > 0);
  const early = admin(h, { type: "failover", name: "mymaster" });
  assert.equal(early.ok, true, early.message);
  const h2 = new Harness();
  h2.live(40_000, true, replica_info); // never answered: past the validity window they do not count
  const late = admin(h2, { type: "failover", name: "mymaster" });
  assert.deepEqual([late.ok, late.code], [false, "NOGOODSLAVE"]);
});
