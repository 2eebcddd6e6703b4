import assert from "node:assert/strict";
import { test } from "node:test";
import {
  committedEpochFence,
  decideSelfFence,
  hangFence,
  leaseFence,
  leaseFenceHung,
  unfenceWaitsForLease,
  writableMaster,
} from "./self-fence.js";
import type { SelfFenceInputs, ServerView } from "./self-fence.js";

const SELF = { host: "10.0.0.1", port: 6380 };
const OTHER = { host: "10.0.0.2", port: 6380 };
const MASTER: ServerView = { answered: true, role: "master", fenced: false };
const FENCED_MASTER: ServerView = { answered: true, role: "master", fenced: true };
const REPLICA: ServerView = { answered: true, role: "slave", fenced: false };
const SILENT: ServerView = { answered: false, role: null, fenced: false };

/** Nothing fires: a writable master, seen and answering, no record. */
const quiet: SelfFenceInputs = {
  now_ms: 10_000,
  self: SELF,
  accepted_epoch: 3,
  committed: null,
  server: MASTER,
  last_answered: MASTER,
  unanswered_since_ms: null,
  hang_fence_after_ms: 500,
  lease_until_ms: 10_400,
  lease_ms: 500,
  fence_lead_ms: 0,
  fence_in_flight: false,
};

void test("writableMaster: answering, master, not fenced", () => {
  assert.equal(writableMaster(MASTER), true);
  assert.equal(writableMaster(FENCED_MASTER), false);
  assert.equal(writableMaster(REPLICA), false);
  assert.equal(writableMaster(SILENT), false);
});

void test("committed_epoch fires for another primary at a newer or equal epoch", () => {
  const newer = { ...quiet, committed: { config_epoch: 4, primary: OTHER } };
  assert.equal(committedEpochFence(newer), true);
  assert.equal(committedEpochFence({ ...newer, committed: { config_epoch: 3, primary: OTHER } }), true);
  assert.deepEqual(decideSelfFence(newer), {
    fence: true,
    reason: "committed_epoch",
    queue: false,
    raise_epoch_to: 4,
    detail: "committed config epoch 4 names 10.0.0.2:6380 as primary (accepted epoch 3)",
  });
  const equal = decideSelfFence({ ...newer, committed: { config_epoch: 3, primary: OTHER } });
  assert.ok(equal.fence && equal.raise_epoch_to === null);
});

void test("committed_epoch does not fire on a replica, a fenced node, an older record, or itself", () => {
  const newer = { ...quiet, committed: { config_epoch: 4, primary: OTHER } };
  assert.equal(committedEpochFence({ ...newer, server: REPLICA }), false);
  assert.equal(committedEpochFence({ ...newer, server: FENCED_MASTER }), false);
  assert.equal(committedEpochFence({ ...newer, server: SILENT }), false);
  assert.equal(committedEpochFence({ ...newer, committed: { config_epoch: 2, primary: OTHER } }), false);
  assert.equal(committedEpochFence({ ...newer, committed: { config_epoch: 9, primary: SELF } }), false);
  // Same host, other port: another server.
  assert.equal(
    committedEpochFence({ ...newer, committed: { config_epoch: 4, primary: { ...SELF, port: 6381 } } }),
    true,
  );
  assert.equal(committedEpochFence(quiet), false);
});

void test("hang fires once a probe to a writable master waited longer than hang_fence_after_ms", () => {
  const hung = { ...quiet, server: SILENT, unanswered_since_ms: 9_400 };
  assert.equal(hangFence(hung), true);
  assert.deepEqual(decideSelfFence(hung), {
    fence: true,
    reason: "hang",
    queue: true,
    raise_epoch_to: null,
    detail: "writable master has not answered for 600 ms (hang_fence_after_ms 500)",
  });
  assert.equal(hangFence({ ...hung, unanswered_since_ms: 9_500 }), false, "exactly the limit");
  assert.equal(hangFence({ ...hung, unanswered_since_ms: null }), false, "no probe waiting");
});

void test("hang does not fire on a replica, a fenced master, a never-answered server, or when off", () => {
  const hung = { ...quiet, server: SILENT, unanswered_since_ms: 0 };
  assert.equal(hangFence({ ...hung, last_answered: REPLICA }), false);
  assert.equal(hangFence({ ...hung, last_answered: FENCED_MASTER }), false);
  assert.equal(hangFence({ ...hung, last_answered: null }), false);
  assert.equal(hangFence({ ...hung, hang_fence_after_ms: 0 }), false);
});

void test("lease fires when the write lease ran out", () => {
  const cut = { ...quiet, lease_until_ms: 9_000 };
  assert.equal(leaseFence(cut), true);
  assert.deepEqual(decideSelfFence(cut), {
    fence: true,
    reason: "lease",
    queue: false,
    raise_epoch_to: null,
    detail: "write lease expired 1000 ms ago (no majority of agents granted it; lease_ms 500)",
  });
  assert.equal(leaseFence({ ...cut, lease_until_ms: 10_001 }), false, "still held");
  assert.equal(leaseFence({ ...cut, lease_until_ms: 10_000 }), true, "runs out at its end");
});

void test("adoption: no lease received since the start fences a running master at once (no grace)", () => {
  // A restarted data-node adopts a writable master: before, it had lease_ms of grace, and an old
  // primary adopted so took writes after a newer promotion (sim seeds 817, 976, 8023).
  const adopted = { ...quiet, lease_until_ms: Number.NEGATIVE_INFINITY };
  assert.deepEqual(decideSelfFence(adopted), {
    fence: true,
    reason: "lease",
    queue: false,
    raise_epoch_to: null,
    detail: "no write lease granted since the data-node started or promoted it (lease_ms 500)",
  });
  assert.equal(leaseFence({ ...adopted, server: REPLICA }), false, "a replica needs no lease");
  assert.equal(leaseFence({ ...adopted, lease_until_ms: 10_001 }), false, "a lease received since");
});

void test("lease does not fire on a replica, a fenced or silent server, or when off", () => {
  const cut = { ...quiet, lease_until_ms: 0 };
  assert.equal(leaseFence({ ...cut, server: REPLICA }), false);
  assert.equal(leaseFence({ ...cut, server: FENCED_MASTER }), false);
  assert.equal(leaseFence({ ...cut, server: SILENT }), false);
  assert.equal(leaseFence({ ...cut, lease_ms: 0 }), false);
});

void test("decideSelfFence: nothing while a fence is in flight; committed_epoch before lease", () => {
  assert.deepEqual(decideSelfFence(quiet), { fence: false });
  const all = {
    ...quiet,
    committed: { config_epoch: 7, primary: OTHER },
    lease_until_ms: 0,
  };
  const first = decideSelfFence(all);
  assert.ok(first.fence && first.reason === "committed_epoch");
  assert.deepEqual(decideSelfFence({ ...all, fence_in_flight: true }), { fence: false });
  const hungAndCut = { ...quiet, server: SILENT, unanswered_since_ms: 0, lease_until_ms: 0 };
  const hung = decideSelfFence(hungAndCut);
  assert.ok(hung.fence && hung.reason === "hang", "a silent server can only be fenced by the hang rule");
});

void test("unfence: a master is unfenced only while its write lease holds", () => {
  const base = {
    now_ms: 10_000,
    lease_until_ms: 10_001,
    lease_ms: 500,
    fence_lead_ms: 0,
    role: "master",
  } as const;
  assert.equal(unfenceWaitsForLease(base), false, "lease held");
  assert.equal(unfenceWaitsForLease({ ...base, lease_until_ms: 10_000 }), true, "lease ran out");
  assert.equal(unfenceWaitsForLease({ ...base, lease_until_ms: 9_000, role: "slave" }), false, "a replica");
  assert.equal(unfenceWaitsForLease({ ...base, lease_until_ms: 9_000, lease_ms: 0 }), false, "rule off");
  // With the watchdog: a lease inside its last fence_lead_ms is as good as over.
  assert.equal(unfenceWaitsForLease({ ...base, lease_until_ms: 10_050, fence_lead_ms: 50 }), true);
  assert.equal(unfenceWaitsForLease({ ...base, lease_until_ms: 10_051, fence_lead_ms: 50 }), false);
});

void test("lease on a hung server: the fence is queued once the lease (less the lead) ran out", () => {
  const hung = { ...quiet, server: SILENT, unanswered_since_ms: 9_800, hang_fence_after_ms: 500 };
  assert.deepEqual(decideSelfFence(hung), { fence: false }, "lease still valid, hang rule not yet");
  const ran_out = decideSelfFence({ ...hung, lease_until_ms: 10_040, fence_lead_ms: 50 });
  assert.ok(ran_out.fence && ran_out.reason === "lease" && ran_out.queue, JSON.stringify(ran_out));
  assert.match(ran_out.detail, /fence queued/);
  assert.equal(leaseFenceHung({ ...hung, lease_until_ms: 9_000, last_answered: REPLICA }), false);
  assert.equal(leaseFenceHung({ ...hung, lease_until_ms: 9_000, unanswered_since_ms: null }), false);
  assert.equal(leaseFenceHung({ ...hung, lease_until_ms: 9_000, lease_ms: 0 }), false);
  assert.equal(leaseFenceHung({ ...hung, lease_until_ms: 9_000, server: MASTER }), false, "answers");
});

void test("lease with the watchdog: fences fence_lead_ms before the lease's end, not earlier", () => {
  const led = { ...quiet, lease_until_ms: 10_050, fence_lead_ms: 50 };
  assert.equal(leaseFence(led), true, "at the lead");
  assert.equal(leaseFence({ ...led, lease_until_ms: 10_051 }), false, "before the lead");
  assert.equal(leaseFence({ ...led, fence_lead_ms: 0 }), false, "no watchdog: at the end only");
});
