import assert from "node:assert/strict";
import { test } from "node:test";
import { checkClusterSettings } from "./cluster-state.js";

const good = {
  version: 1,
  cluster_id: "local-abc",
  master_name: "mymaster",
  quorum: 2,
  down_after_ms: 1000,
  failover_timeout_ms: 10_000,
  rest_token: "0123456789abcdef0123",
  ports: { nats: 4300, redis: [1, 2, 3], sentinel: [4, 5, 6], rest: [7, 8, 9] },
  created_at: "2026-01-01T00:00:00Z",
};

void test("cluster.json: accepted as written, refused with the first bad field", () => {
  const counts = { redis: 3, agents: 3 };
  assert.equal(checkClusterSettings(good, counts).ok, true);
  const wrong = (value: unknown): string => {
    const checked = checkClusterSettings(value, counts);
    if (checked.ok) throw new Error("accepted a bad cluster.json");
    return checked.reason;
  };
  assert.match(wrong({ ...good, version: 2 }), /\/version/);
  assert.match(wrong({ ...good, rest_token: "" }), /\/rest_token/);
  assert.match(wrong({ ...good, ports: { ...good.ports, redis: [1, 2] } }), /\/ports\/redis/);
  assert.match(wrong({ ...good, ports: { ...good.ports, nats: 70000 } }), /\/ports\/nats/);
});
