import { toNodeReport } from "@sentinel-plane/runtime";
import assert from "node:assert/strict";
import { test } from "node:test";
import type { NodeReport } from "@sentinel-plane/core";
import { decodeNodeStatus } from "@sentinel-plane/protocol";
import { FENCE_MARKER, isFenced, minReplicasFromConfig } from "@sentinel-plane/core/data-node";
import { buildStatus, changedSignificantly, nextLinkDownSince, processState } from "./report.js";
import type { Observation, StatusInputs } from "./report.js";
import { errorReply, okReply } from "./reply.js";
import { REPLICA_INFO } from "./test-support.js";
import { spError } from "@sentinel-plane/protocol";

const answered: Observation = {
  answered: true,
  info: REPLICA_INFO,
  min_replicas_to_write: 0,
  config_file: "",
  error: null,
};

function inputs(overrides: Partial<StatusInputs> = {}): StatusInputs {
  return {
    cluster_id: "c1",
    node_id: "n1",
    address: { host: "127.0.0.1", port: 7001 },
    child: null,
    observation: answered,
    accepted: { epoch: 2, issuer: "agent-a" },
    link_down_since_ms: null,
    last_error: null,
    seq: 10,
    now_ms: 5000,
    ...overrides,
  };
}

void test("a status report validates against the protocol schema and converts to NodeReport", () => {
  const status = buildStatus(inputs());
  assert.equal(decodeNodeStatus(JSON.stringify(status)).ok, true);
  const report: NodeReport = toNodeReport(status);
  assert.deepEqual(report, {
    node_id: "n1",
    address: { host: "127.0.0.1", port: 7001 },
    supervised: false,
    process: { state: "running" },
    fenced: false,
    epoch: 2,
    seq: 10,
    info: REPLICA_INFO,
  });
  // Structural compatibility: the report itself is usable as the core's NodeReport.
  const direct: NodeReport = status;
  assert.equal(direct.node_id, "n1");
});

void test("process state: exited wins, then the probe decides", () => {
  const failed: Observation = {
    answered: false,
    info: null,
    min_replicas_to_write: null,
    config_file: null,
    error: "x",
  };
  assert.deepEqual(processState({ state: "exited", code: null, signal: "SIGKILL" }, answered), {
    state: "exited",
    code: null,
    signal: "SIGKILL",
  });
  assert.deepEqual(processState({ state: "running" }, failed), { state: "not_answering" });
  assert.deepEqual(processState(null, { ...failed, answered: null }), { state: "unknown" });
  const exited = buildStatus(inputs({ child: { state: "exited", code: 0, signal: null } }));
  assert.equal(exited.info, undefined, "no INFO is reported for a dead process");
  assert.equal(exited.supervised, true);
});

void test("offsets alone do not trigger an immediate report; role, link, fence and epoch do", () => {
  const base = buildStatus(inputs());
  const moved = buildStatus(
    inputs({ seq: 11, observation: { ...answered, info: { ...REPLICA_INFO, master_repl_offset: 999 } } }),
  );
  assert.equal(changedSignificantly(base, moved), false);
  assert.equal(changedSignificantly(null, base), true);
  const linkDown = buildStatus(
    inputs({ observation: { ...answered, info: { ...REPLICA_INFO, master_link_status: "down" } } }),
  );
  assert.equal(changedSignificantly(base, linkDown), true);
  const master = buildStatus(
    inputs({ observation: { ...answered, info: { ...REPLICA_INFO, role: "master" } } }),
  );
  assert.equal(changedSignificantly(base, master), true);
  const fenced = buildStatus(inputs({ observation: { ...answered, min_replicas_to_write: FENCE_MARKER } }));
  assert.equal(fenced.fenced, true);
  assert.equal(changedSignificantly(base, fenced), true);
  assert.equal(
    changedSignificantly(base, buildStatus(inputs({ accepted: { epoch: 3, issuer: "b" } }))),
    true,
  );
});

void test("link down duration is measured from the first down observation", () => {
  const down = { ...REPLICA_INFO, master_link_status: "down" as const };
  assert.equal(nextLinkDownSince(null, down, 1000), 1000);
  assert.equal(nextLinkDownSince(1000, down, 3000), 1000);
  assert.equal(nextLinkDownSince(1000, null, 3000), 1000);
  assert.equal(nextLinkDownSince(1000, REPLICA_INFO, 3000), null);
  assert.equal(buildStatus(inputs({ link_down_since_ms: 1000, now_ms: 3500 })).link_down_ms, 2500);
});

void test("fence marker and config parsing", () => {
  assert.equal(isFenced(FENCE_MARKER), true);
  assert.equal(isFenced(0), false);
  assert.equal(isFenced(null), false);
  assert.equal(minReplicasFromConfig("port 1\nmin-replicas-to-write 2\nmin-slaves-to-write 3\n"), 3);
  assert.equal(minReplicasFromConfig("port 1\n"), 0);
});

void test("replies carry role, offset and epoch; errors carry code and message", () => {
  const status = buildStatus(inputs());
  const reply = okReply(
    "n1",
    { epoch: 2, issuer: "a" },
    { command: "replicaof", done: ["REPLICAOF x 1"], status, include_status: false },
  );
  assert.deepEqual(reply, {
    v: 1,
    type: "node_command_reply",
    node_id: "n1",
    epoch: 2,
    epoch_issuer: "a",
    ok: true,
    command: "replicaof",
    done: ["REPLICAOF x 1"],
    role: "slave",
    offset: 100,
    fenced: false,
  });
  const dead = buildStatus(inputs({ observation: { ...answered, answered: false, info: null } }));
  assert.equal(
    okReply(
      "n1",
      { epoch: 2, issuer: "a" },
      { command: "promote", done: [], status: dead, include_status: false },
    ),
    null,
  );
  const error = errorReply("n1", { epoch: 5, issuer: "b" }, spError("SP_ERR_STALE_EPOCH", [1, 5, "b"]));
  assert.equal(error.ok, false);
  assert.equal(error.code, "SP_ERR_STALE_EPOCH");
});
