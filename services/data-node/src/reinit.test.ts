import assert from "node:assert/strict";
import { test } from "node:test";
import { checkReinit, dataFiles } from "./reinit.js";

const self = { host: "10.0.0.2", port: 6380 };
const primary = { host: "10.0.0.1", port: 6380 };
const replica = {
  supervised: true,
  answered: true,
  role: "slave" as const,
  committed_primary: primary,
  self,
};

void test("reinit: a supervised replica resyncs from the committed primary; a primary is refused", () => {
  assert.deepEqual(checkReinit(replica), { ok: true, primary });
  const on_primary = checkReinit({ ...replica, role: "master" });
  assert.equal(on_primary.ok ? null : on_primary.reason, "reinit drops the data: refused on a primary");
  const committed_self = checkReinit({ ...replica, committed_primary: self });
  assert.equal(committed_self.ok, false);
  assert.equal(checkReinit({ ...replica, committed_primary: null }).ok, false);
  const attach = checkReinit({ ...replica, supervised: false });
  assert.equal(attach.ok ? null : attach.code, "SP_ERR_ADMIN_REFUSED");
  const down = checkReinit({ ...replica, answered: false });
  assert.equal(down.ok ? null : down.code, "SP_ERR_REDIS_UNAVAILABLE");
});

void test("data files: RDB and AOF names inside the data directory only", () => {
  const config = new Map([
    ["dir", "/var/lib/redis"],
    ["dbfilename", "dump.rdb"],
    ["appenddirname", "appendonlydir"],
    ["appendfilename", "appendonly.aof"],
  ]);
  assert.deepEqual(dataFiles(config), [
    "/var/lib/redis/dump.rdb",
    "/var/lib/redis/appendonlydir",
    "/var/lib/redis/appendonly.aof",
  ]);
  assert.deepEqual(
    dataFiles(
      new Map([
        ["dir", "relative"],
        ["dbfilename", "dump.rdb"],
      ]),
    ),
    [],
  );
  assert.deepEqual(
    dataFiles(
      new Map([
        ["dir", "/d"],
        ["dbfilename", "../etc/passwd"],
        ["appenddirname", ".."],
      ]),
    ),
    [],
  );
});
