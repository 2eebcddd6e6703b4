// A real redis-sentinel (Debian's 7.0.15) and our port describe the same deployment (one primary,
// one replica, quorum 1, no other sentinels); every request of the harness's list must get a
// reply of the same shape from both. Our side is the fake-view server here; the same harness
// runs against the agent by passing its endpoint to runDifferential.
import assert from "node:assert/strict";
import { test } from "node:test";
import { withProcesses } from "@sentinel-plane/testkit";
import { differentialCases, runDifferential } from "./differential.js";
import { FakeSentinelView, fakeMasterView, fakeReplicaView } from "./fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "../server.js";
import { RawClient } from "./test-client.js";

void test("our port answers every listed request with redis-sentinel's reply shape", async (t) => {
  await withProcesses(t, async (procs) => {
    const primary = await procs.startRedis({ name: "primary" });
    const replica = await procs.startRedis({ name: "replica", replicaof: primary.address });
    await replica.waitForSync(10_000);

    const { port: sentinelPort } = await procs.startRedisSentinel({
      master_name: "mymaster",
      host: primary.host,
      port: primary.port,
      quorum: 1,
    });
    // The sentinel learns the replica from the primary's INFO, then connects to it and reads its
    // INFO; no event reaches us, so poll until the replica is connected and reported up.
    const probe = await RawClient.open(sentinelPort);
    t.after(() => {
      probe.close();
    });
    const deadline = Date.now() + 15_000;
    for (;;) {
      const replicas = await probe.call(["SENTINEL", "REPLICAS", "mymaster"]);
      const fields = replicas.type === "array" && replicas.items.length === 1 ? replicas.items[0] : undefined;
      const values =
        fields?.type === "array"
          ? fields.items.map((item) => ("value" in item ? String(item.value) : ""))
          : [];
      const field = (name: string): string | undefined => values[values.indexOf(name) + 1];
      if (field("flags") === "slave" && field("master-link-status") === "ok") break;
      assert.ok(Date.now() < deadline, "redis-sentinel never listed the replica");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const view = new FakeSentinelView();
    const address = { ip: primary.host, port: primary.port };
    view.addMaster({
      master: fakeMasterView("mymaster", address.ip, address.port, { quorum: 1 }),
      replicas: [fakeReplicaView(replica.host, replica.port, address)],
      sentinels: [],
      address,
    });
    const server = new RespServer({
      host: "127.0.0.1",
      port: 0,
      view,
      requirepass: null,
      limits: RESP_LIMITS_DEFAULT,
      redis_version: "7.0.15",
      config_file: "",
      now_ms: Date.now,
    });
    const ours = await server.listen();
    t.after(async () => {
      await server.close();
    });

    const mismatches = await runDifferential(
      { host: "127.0.0.1", port: sentinelPort },
      ours,
      differentialCases({ master_name: "mymaster", primary: { host: primary.host, port: primary.port } }),
    );
    const report = mismatches.map(
      (m) => `${m.request}\n  real: ${JSON.stringify(m.real)}\n  ours: ${JSON.stringify(m.ours)}`,
    );
    assert.deepEqual(report, []);
  });
});
