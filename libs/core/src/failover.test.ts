import { test } from "node:test";
import assert from "node:assert/strict";
import { masterView } from "./agent.js";
import { commandWanted } from "./commands.js";
import { failoverBackoffMs } from "./failover.js";
import {
  Harness,
  ME,
  PEERS,
  PRIMARY,
  R1,
  R2,
  eventNames,
  eventTexts,
  replicaInfo,
  sends,
} from "./test-support.js";
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

void test("a promote may go out directly (data-node timeout) only within its window and while acting", () => {
  const { h, promote } = elected();
  const sent_ms = h.now_ms;
  const id = promote.command_id;
  // The shell asks after the data-node's timeout (4 probe timeouts), a little late on a busy host.
  assert.equal(commandWanted(h.state, id, sent_ms + promote.timeout_ms), true);
  assert.equal(commandWanted(h.state, id, sent_ms + promote.timeout_ms + 400), true);
  // Stalled past the window (SIGSTOP of the leader after +elected-leader, SIGCONT 5 s later: the
  // request timer fires before the data-node's reply is read). Core time stood still meanwhile,
  // so only the shell's clock, passed in, shows it: the others may have failed over since, and a
  // direct REPLICAOF NO ONE has no epoch for Redis to refuse.
  assert.equal(h.state.now_ms, sent_ms);
  assert.equal(commandWanted(h.state, id, sent_ms + 5000), false);
});

void test("a promote is not sent directly once the agent is in TILT", () => {
  const { h, promote } = elected();
  const sent_ms = h.now_ms;
  h.now_ms += 2600; // past tilt_trigger_ms: the step after a stall enters TILT
  assert.ok(eventNames(h.input({ type: "tick", now_ms: h.now_ms })).includes("+tilt"));
  assert.equal(commandWanted(h.state, promote.command_id, sent_ms + promote.timeout_ms), false);
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

interface Attempts {
  readonly tries_ms: number[];
  readonly aborts: string[];
  readonly h: Harness;
}

/**
 * One agent (quorum 1) whose primary is down and has no replica (no-good-slave on every attempt).
 * `peers_alive`: the peers send hellos; `votes`: they also grant every vote request.
 */
function attempts(run_ms: number, options: { peers_alive: boolean; votes: boolean }): Attempts {
  const h = new Harness({ quorum: 1 });
  h.meetPeers();
  for (let t = 0; t < 2000; t += 100) {
    h.now_ms += 100;
    h.answerProbes(h.input({ type: "tick", now_ms: h.now_ms }), true, []);
  }
  const tries_ms: number[] = [];
  const aborts: string[] = [];
  const end = h.now_ms + run_ms;
  while (h.now_ms < end) {
    h.now_ms += 100;
    if (options.peers_alive && h.now_ms % 1000 === 0) h.meetPeers();
    const effects = h.input({ type: "tick", now_ms: h.now_ms });
    effects.push(...h.answerProbes(effects, false, []));
    for (const message of sends(effects)) {
      if (message.type !== "vote_request" || !options.votes) continue;
      const epoch = message.epoch;
      effects.push(
        ...h.peer({
          type: "vote_reply",
          from: PEERS[0],
          master_name: "mymaster",
          epoch,
          leader: ME,
          leader_epoch: epoch,
        }),
      );
    }
    for (const name of eventNames(effects)) {
      if (name === "+try-failover") tries_ms.push(h.now_ms);
      if (name.startsWith("-failover-abort")) aborts.push(name);
    }
  }
  return { tries_ms, aborts, h };
}

function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] ?? t));
}

void test("after -failover-abort-no-good-slave the next attempt waits 2 x failover-timeout", () => {
  const { tries_ms, aborts, h } = attempts(30_000, { peers_alive: true, votes: true });
  const backoff_ms = failoverBackoffMs(h.state.masters.get("mymaster") ?? assert.fail());
  assert.equal(backoff_ms, 10_000);
  assert.ok(aborts.length >= 2 && aborts.every((a) => a === "-failover-abort-no-good-slave"), aborts.join());
  assert.ok(tries_ms.length >= 2 && tries_ms.length <= 3, `${tries_ms.length} attempts in 30 s`);
  for (const gap of gaps(tries_ms)) assert.ok(gap >= backoff_ms, `retried after ${gap} ms`);
  assert.ok(h.state.current_epoch <= 3, `epoch ${h.state.current_epoch}`);
});

void test("a split vote (-failover-abort-not-elected) still retries after the randomised election delay", () => {
  const { tries_ms, aborts, h } = attempts(10_000, { peers_alive: true, votes: false });
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  assert.ok(aborts.length >= 3 && aborts.every((a) => a === "-failover-abort-not-elected"), aborts.join());
  const fast_ms = 4 * master.settings.election_timeout_ms; // deadline + delay, each < 2 x timeout
  for (const gap of gaps(tries_ms)) assert.ok(gap <= fast_ms, `retried after ${gap} ms`);
});

void test("a candidate that cannot reach enough live agents to win does not stand, and burns no epoch", () => {
  const { tries_ms, h } = attempts(20_000, { peers_alive: false, votes: false });
  // The peers' last hellos age out three hello periods (6 s) after the start: no attempt after.
  const last_alive_ms = h.now_ms - 20_000 + 6000 - 2000;
  assert.ok(
    tries_ms.every((t) => t <= last_alive_ms + 100),
    `attempts at ${tries_ms.join()}`,
  );
  const epoch = h.state.current_epoch;
  h.advance(30_000);
  assert.equal(h.state.current_epoch, epoch, "no epoch burnt while alone");
  // Peers back: it stands again.
  h.meetPeers();
  assert.ok(eventNames(h.advance(2000)).includes("+try-failover"));
  assert.ok(h.state.current_epoch > epoch);
});

/**
 * A voter (quorum 2) that granted PEERS[0] its vote for epoch 1 while its primary was down, then
 * heard no more from it (SIGSTOP keeps its connection), while PEERS[1] says hello every second and
 * sees the primary down. Returns when the voter stood itself (null: not within `run_ms`).
 */
function voterOfSilentLeader(
  run_ms: number,
  peers: readonly [string, string] = PEERS,
): { h: Harness; voted_ms: number; stood_ms: number | null } {
  const h = new Harness({ quorum: 2 });
  h.meetPeers(peers);
  const [leader, other] = peers;
  const opinion = (from: string): Effect[] =>
    h.peer({
      type: "down_opinion",
      from,
      current_epoch: 1,
      master_name: "mymaster",
      master_address: PRIMARY,
      down: true,
    });
  h.live(2000, true);
  h.meetPeers(peers.slice(1));
  for (let i = 0; i < 30 && h.state.masters.get("mymaster")?.link.sdown !== true; i += 1) h.live(100, false);
  h.peer({
    type: "vote_request",
    from: leader,
    master_name: "mymaster",
    master_address: PRIMARY,
    epoch: 1,
    manual: false,
  });
  assert.equal(h.state.masters.get("mymaster")?.leader, leader, "voted for the candidate");
  const voted_ms = h.now_ms;
  opinion(leader);
  let stood_ms: number | null = null;
  while (h.now_ms < voted_ms + run_ms && stood_ms === null) {
    if (h.now_ms % 1000 === 0) {
      h.meetPeers(peers.slice(1));
      opinion(other);
    }
    if (eventNames(h.live(100, false)).includes("+try-failover")) stood_ms = h.now_ms;
  }
  return { h, voted_ms, stood_ms };
}

void test("a voter gives up on a silent leader after one hello period of silence, not three", () => {
  const { h, voted_ms, stood_ms } = voterOfSilentLeader(5000);
  assert.ok(stood_ms !== null, "stood");
  const hello_period_ms = h.state.timing.hello_period_ms;
  // The leader's last hello came 2+ s before the vote: isPeerAlive alone held the voter back
  // until 3 hello periods after it; the watch counts from the vote.
  assert.ok(stood_ms > voted_ms + hello_period_ms, `stood ${stood_ms - voted_ms} ms after the vote`);
  assert.ok(stood_ms <= voted_ms + hello_period_ms + 300, `stood ${stood_ms - voted_ms} ms after the vote`);
});

void test("a leader says hello four times a hello period while its failover runs", () => {
  const h = electLeader();
  const hello_period_ms = h.state.timing.hello_period_ms;
  const hellos = sends(h.live(hello_period_ms, false)).filter((m) => m.type === "hello");
  assert.equal(masterView(h.state, "mymaster")?.failover_state, "wait-promotion", "still running");
  assert.ok(hellos.length >= 4, `${hellos.length} hellos in one hello period`);
});

void test("the voters of a silent leader stand in ODOWN's order when they give up on it, not all at once", () => {
  // Peers with smaller ids than ours: we rank third, after the silent leader and the other voter.
  const peers = ["0".repeat(40), "1".repeat(40)] as const;
  const { h, voted_ms, stood_ms } = voterOfSilentLeader(5000, peers);
  assert.ok(stood_ms !== null, "stood");
  const master = h.state.masters.get("mymaster") ?? assert.fail();
  const slot_ms = Math.floor(master.settings.election_timeout_ms / 5);
  const released_ms = voted_ms + h.state.timing.hello_period_ms;
  assert.ok(stood_ms >= released_ms + 2 * slot_ms, `stood ${stood_ms - released_ms} ms after the release`);
  assert.ok(
    stood_ms <= released_ms + 2 * slot_ms + 200,
    `stood ${stood_ms - released_ms} ms after the release`,
  );
});
