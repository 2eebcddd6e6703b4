// The agent's state file: what the core persists loads back unchanged.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { FAILOVER_BLOCK_PERIOD_MS_DEFAULT } from "@sentinel-plane/core";
import type { PersistedState } from "@sentinel-plane/core";
import { JsonStateFile } from "./state-file.js";

void test("a persisted promote-lease grant loads back (a restart keeps it)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sp-state-file-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const state: PersistedState = {
    myid: "a".repeat(40),
    current_epoch: 3,
    masters: [
      {
        name: "mymaster",
        address: { host: "10.0.0.1", port: 6379 },
        settings: {
          quorum: 2,
          down_after_ms: 1000,
          failover_timeout_ms: 10_000,
          parallel_syncs: 1,
          master_reboot_down_after_period_ms: 0,
          election_timeout_ms: 300,
          failover_block_period_ms: FAILOVER_BLOCK_PERIOD_MS_DEFAULT,
        },
        config_epoch: 2,
        leader: "b".repeat(40),
        leader_epoch: 3,
        promote_grant: { epoch: 3, address: { host: "10.0.0.2", port: 6379 } },
        replicas: [{ host: "10.0.0.2", port: 6379 }],
        agents: [],
      },
    ],
  };
  const file = new JsonStateFile(join(dir, "state.json"));
  await file.save(state);
  const loaded = await file.load();
  assert.deepEqual(loaded?.masters, state.masters);
});
