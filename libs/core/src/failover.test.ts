import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { Harness, ME, PEERS, PRIMARY, R1, R2, eventNames, eventTexts, replicaInfo } from "./test-support.js";
import type { Effect } from "./types.js";

/**
 * Drives one agent (quorum 1, peers known) until the primary is down and both peers voted for it;
 * the probes `hold` picks are never answered.
 */
function electLeader(hold?: (e: Effect) => boolean): Harness {
  const h = new Harness({ quorum: 1 });
  h.meetPeers();
  h.live(2000, true, hold);
  for (let i = 0; i < 30 && !h.state.masters.get("mymaster")?.failover; i += 1) h.live(100, false, hold);
  for (const from of PEERS) {
    h.peer({
      type: "vote_reply",
      from,
      master_name: "mymaster",
      epoch: 1,
      leader: ME,
      leader_epoch: 1,
      lease_grant_age_ms: null,
    });
  }
  return h;
}

/** An elected failover with a node_command promote. */
function elected(): { h: Harness; promote: Effect & { type: "node_command" } } {
  const h = electLeader();
  const promote = h.log.find((e) => e.type === "node_command" && e.command.type === "promote");
  assert.ok(promote?.type === "node_command" && promote.epoch === 1, "promote sent with the failover epoch");
  return { h, promote };
}

void test("promotion completes on the data-node's result; +switch-master comes before replica reconfiguration", () => {
  const { h, promote } = elected();
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "wait-promotion");
  const promoted = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: promote.command_id,
    result: { ok: true, role: "master", offset: 100 },
  });
  assert.deepEqual(eventNames(promoted), ["+promoted-slave"]);
  const commit = promoted.find((e) => e.type === "commit_topology");
  assert.ok(commit?.type === "commit_topology");
  assert.equal(commit.expected_revision, 0);
  assert.equal(commit.record.config_epoch, 1);
  assert.deepEqual(commit.record.primary, promote.target);
  const done = h.input({ type: "commit_result", now_ms: h.now_ms, commit_id: commit.commit_id, ok: true });
  const names = eventNames(done);
  assert.ok(names.indexOf("+switch-master") < names.indexOf("+failover-state-reconf-slaves"));
  assert.ok(names.indexOf("+failover-state-reconf-slaves") < names.indexOf("+slave-reconf-sent"));
  assert.ok(
    done.findIndex((e) => e.type === "persist") < done.findIndex((e) => e.type === "client_reconfig"),
  );
  assert.deepEqual(masterView(h.state, "mymaster")?.address, promote.target);
  assert.equal(masterView(h.state, "mymaster")?.config_epoch, 1);
});

void test("a commit conflict aborts and adopts the newer record", () => {
  const { h, promote } = elected();
  const promoted = h.input({
    type: "command_result",
    now_ms: h.now_ms,
    command_id: promote.command_id,
    result: { ok: true, role: "master", offset: 100 },
  });
  const commit = promoted.find((e) => e.type === "commit_topology");
  assert.ok(commit?.type === "commit_topology");
  const winner = {
    master_name: "mymaster",
    config_epoch: 5,
    primary: PRIMARY,
    replicas: [],
    leader: PEERS[0],
  };
  const lost = h.input({
    type: "commit_result",
    now_ms: h.now_ms,
    commit_id: commit.commit_id,
    ok: false,
    current: { record: winner, revision: 9 },
  });
  assert.ok(eventNames(lost).includes("-failover-abort-commit-conflict"));
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "none");
  assert.equal(masterView(h.state, "mymaster")?.config_epoch, 5);
});

void test("a promotion that is never confirmed aborts after failover_timeout", () => {
  const { h } = elected();
  const effects = h.live(5200, false);
  assert.ok(eventNames(effects).includes("-failover-abort-slave-timeout"));
});

/**
 * One agent (quorum 1) that knows R1 and R2 but has never had R2's INFO answered (its INFO probes
 * are held back), elected with the primary down: a leader in its first second of life.
 */
function electedWithoutR2Info(): { h: Harness; held: () => Effect & { type: "probe" } } {
  const isR2Info = (e: Effect): e is Effect & { type: "probe" } =>
    e.type === "probe" && e.kind === "info" && e.target.host === R2.host && e.target.port === R2.port;
  const h = electLeader(isR2Info);
  assert.ok(eventNames(h.log).includes("+elected-leader"));
  return { h, held: () => h.log.filter(isR2Info).at(-1) ?? assert.fail("no INFO probe of R2") };
}

void test("a leader waits for the first INFO of a replica it just learned of, then picks the best", () => {
  const { h, held } = electedWithoutR2Info();
  assert.ok(!eventNames(h.log).includes("+selected-slave"), "nothing selected while R2's INFO is out");
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "select-slave");
  const probe = held();
  const answered = h.input({
    type: "probe_result",
    now_ms: h.now_ms + 5,
    probe_id: probe.probe_id,
    target: R2,
    result: { kind: "info", ok: true, info: replicaInfo(R2, { replica_priority: 50 }) },
  });
  assert.deepEqual(
    eventTexts(answered).filter((t) => t.startsWith("+selected-slave")),
    [
      `+selected-slave slave ${R2.host}:${R2.port} ${R2.host} ${R2.port} @ mymaster ${PRIMARY.host} ${PRIMARY.port}`,
    ],
  );
});

void test("the wait for a first INFO ends after two probe timeouts; the replicas that answered are used", () => {
  const { h } = electedWithoutR2Info();
  const before = h.log.length;
  h.advance(900);
  assert.ok(!eventNames(h.log.slice(before)).includes("+selected-slave"));
  h.advance(200);
  const selected = eventTexts(h.log.slice(before)).filter((t) => t.startsWith("+selected-slave"));
  assert.equal(selected.length, 1);
  assert.ok(selected[0]?.includes(`${R1.host}:${R1.port}`));
});
