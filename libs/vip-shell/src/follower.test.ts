import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MasterView } from "./follower.js";
import { observeRecord } from "./follower.js";

const h1 = { host: "10.77.0.11", port: 6379 };
const h2 = { host: "10.77.0.12", port: 6379 };
const view: MasterView = { config_epoch: 5, primary: h1, revision: 7 };

void describe("observeRecord", () => {
  void it("takes the first record as a baseline", () => {
    const result = observeRecord(null, { config_epoch: 3, primary: h1, revision: 1 });
    assert.deepEqual(result.observation, { kind: "baseline" });
    assert.deepEqual(result.view, { config_epoch: 3, primary: h1, revision: 1 });
  });

  void it("reports a newer epoch with another primary as a change from the old one", () => {
    const result = observeRecord(view, { config_epoch: 6, primary: h2, revision: 8 });
    assert.deepEqual(result.observation, { kind: "primary_changed", from: h1, to: h2 });
    assert.equal(result.view.config_epoch, 6);
  });

  void it("a port change on the same host is a primary change", () => {
    const moved = { host: h1.host, port: 6380 };
    const result = observeRecord(view, { config_epoch: 6, primary: moved, revision: 8 });
    assert.equal(result.observation.kind, "primary_changed");
  });

  void it("a newer epoch with the same primary advances without a change", () => {
    const result = observeRecord(view, { config_epoch: 9, primary: h1, revision: 8 });
    assert.deepEqual(result.observation, { kind: "epoch_advanced" });
    assert.equal(result.view.config_epoch, 9);
  });

  void it("ignores an older epoch, whatever its primary", () => {
    const result = observeRecord(view, { config_epoch: 4, primary: h2, revision: 9 });
    assert.deepEqual(result.observation, { kind: "stale_epoch", seen_epoch: 5 });
    assert.equal(result.view, view);
  });

  void it("ignores a second primary for an epoch already seen", () => {
    const result = observeRecord(view, { config_epoch: 5, primary: h2, revision: 9 });
    assert.deepEqual(result.observation, { kind: "conflicting_primary", seen_primary: h1 });
    assert.equal(result.view, view);
  });

  void it("the same record again is unchanged and keeps the highest revision", () => {
    assert.deepEqual(observeRecord(view, { config_epoch: 5, primary: h1, revision: 7 }), {
      view,
      observation: { kind: "unchanged" },
    });
    assert.equal(observeRecord(view, { config_epoch: 5, primary: h1, revision: 12 }).view.revision, 12);
    assert.equal(observeRecord(view, { config_epoch: 5, primary: h1, revision: 2 }).view.revision, 7);
  });
});
