import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { VipStateInput } from "./desired-state.js";
import { desiredVipState } from "./desired-state.js";

const base: VipStateInput = {
  committed_primary: { host: "10.91.4.20", port: 6888 },
  this_host_addresses: [
    { host: "10.91.4.20", port: null },
    { host: "192.168.1.5", port: null },
  ],
  control_plane_last_contact_ms: 10_000,
  now_ms: 12_000,
  lease_ms: 3_000,
};

void describe("desiredVipState", () => {
  void it("holds when this host has the committed primary and the control plane is fresh", () => {
    assert.deepEqual(desiredVipState(base), { state: "hold", reason: "primary_on_this_host" });
  });

  void it("releases when the primary is on another host", () => {
    const decision = desiredVipState({ ...base, committed_primary: { host: "10.91.4.247", port: 6888 } });
    assert.deepEqual(decision, { state: "release", reason: "primary_elsewhere" });
  });

  void it("releases when no primary is committed", () => {
    assert.equal(desiredVipState({ ...base, committed_primary: null }).reason, "no_committed_primary");
  });

  void it("fails closed: releases once the control plane is silent for longer than the lease", () => {
    assert.equal(desiredVipState({ ...base, now_ms: 13_000 }).state, "hold", "exactly the lease still holds");
    assert.deepEqual(desiredVipState({ ...base, now_ms: 13_001 }), {
      state: "release",
      reason: "control_plane_lease_expired",
    });
  });

  void it("releases when the control plane was never seen", () => {
    const decision = desiredVipState({ ...base, control_plane_last_contact_ms: null });
    assert.deepEqual(decision, { state: "release", reason: "control_plane_never_seen" });
  });

  void it("refuses a last contact later than now (mixed clocks)", () => {
    assert.throws(() => desiredVipState({ ...base, control_plane_last_contact_ms: 12_001 }));
  });
});
