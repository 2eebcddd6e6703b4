import { test } from "node:test";
import assert from "node:assert/strict";
import { parseInfo } from "@sentinel-plane/core";
import { replicasInSync } from "./strict-mode.js";

function primaryInfo(offset: number, replicas: readonly string[]) {
  const lines = ["role:master", `master_repl_offset:${offset}`, ...replicas.map((r, i) => `slave${i}:${r}`)];
  const parsed = parseInfo(lines.join("\r\n"));
  if (!parsed.ok) assert.fail(parsed.reason);
  return parsed.info;
}

void test("in sync: online replicas whose acknowledged offset reached the primary's", () => {
  const info = primaryInfo(500, [
    "ip=127.0.0.1,port=7001,state=online,offset=500,lag=0",
    "ip=127.0.0.1,port=7002,state=online,offset=499,lag=0",
    "ip=127.0.0.1,port=7003,state=wait_bgsave,offset=500,lag=0",
  ]);
  assert.equal(replicasInSync(info), 1);
  assert.equal(replicasInSync(primaryInfo(500, [])), 0);
});
