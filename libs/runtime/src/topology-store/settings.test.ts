import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bucketReplicas,
  clusterSizeOf,
  placedReplicas,
  readTopologyEntry,
  replicaVerdict,
  retryDelay_ms,
} from "./settings.js";

void test("replicas: the configured figure wins; else 3 from a cluster of 3 or more, else 1", () => {
  assert.equal(bucketReplicas(5, 1), 5);
  assert.equal(bucketReplicas(1, 5), 1);
  assert.equal(bucketReplicas(null, 1), 1);
  assert.equal(bucketReplicas(null, 2), 1);
  assert.equal(bucketReplicas(null, 3), 3);
  assert.equal(bucketReplicas(null, 7), 3);
});

void test("cluster size: a lone server is 1; a clustered one counts its advertised client URLs", () => {
  assert.equal(clusterSizeOf(undefined), 1);
  assert.equal(clusterSizeOf({ connect_urls: ["a:1", "b:1", "c:1"] }), 1);
  assert.equal(clusterSizeOf({ cluster: "c" }), 1);
  assert.equal(clusterSizeOf({ cluster: "c", connect_urls: [] }), 1);
  assert.equal(clusterSizeOf({ cluster: "c", connect_urls: ["a:1", "b:1", "c:1"] }), 3);
});

void test("placed replicas: the configured figure, capped by the servers listed", () => {
  assert.equal(placedReplicas({ config: { num_replicas: 3 } }), 1, "a lone server lists no peers");
  assert.equal(placedReplicas({ config: { num_replicas: 3 }, cluster: { replicas: [{}, {}] } }), 3);
  assert.equal(placedReplicas({ config: { num_replicas: 1 }, cluster: { replicas: [] } }), 1);
});

void test("replica verdict: fewer than configured is under-replicated with both figures", () => {
  assert.deepEqual(replicaVerdict(3, 3), { kind: "ok" });
  assert.deepEqual(replicaVerdict(3, 1), { kind: "under_replicated", configured: 3, actual: 1 });
  assert.deepEqual(replicaVerdict(1, 3), { kind: "over_replicated", configured: 1, actual: 3 });
});

void test("retry delay doubles from the base and stays under the cap", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 60].map((n) => retryDelay_ms(n, 250, 5000)),
    [0, 250, 500, 1000, 2000, 4000, 5000],
  );
});

const record = (master_name: string): Uint8Array =>
  new TextEncoder().encode(
    JSON.stringify({
      v: 1,
      type: "topology",
      master_name,
      primary: { host: "127.0.0.1", port: 7000 },
      config_epoch: 3,
      replicas: [],
      leader: "a".repeat(40),
    }),
  );

void test("entries: absent, delete markers, records of the key's master, and invalid ones", () => {
  assert.deepEqual(readTopologyEntry("m", null), { kind: "absent", revision: 0 });
  assert.deepEqual(readTopologyEntry("m", { operation: "DEL", value: new Uint8Array(), revision: 4 }), {
    kind: "absent",
    revision: 4,
  });
  const read = readTopologyEntry("m", { operation: "PUT", value: record("m"), revision: 5 });
  assert.equal(read.kind, "record", JSON.stringify(read));
  const other = readTopologyEntry("m", { operation: "PUT", value: record("n"), revision: 6 });
  assert.equal(other.kind, "invalid");
  const junk = readTopologyEntry("m", {
    operation: "PUT",
    value: new TextEncoder().encode("{"),
    revision: 7,
  });
  assert.equal(junk.kind, "invalid");
});
