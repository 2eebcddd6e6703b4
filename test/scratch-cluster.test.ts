import { test } from "node:test";
import { readFile } from "node:fs/promises";
import { withProcesses, startCluster } from "@sentinel-plane/testkit";
void test("scratch", async (t) => {
  await withProcesses(t, async (procs) => {
    const cluster = await startCluster(procs, { replicas: 1, agents: 3, quorum: 2, down_after_ms: 1000, failover_timeout_ms: 10000 });
    await new Promise((r) => setTimeout(r, 6000));
    const log = await readFile(`${cluster.nats.dir}/nats.log`, "utf8");
    console.log("VIOLATIONS:\n" + log.split("\n").filter((l) => /Violation|ERR|WRN/.test(l)).join("\n"));
  });
});
