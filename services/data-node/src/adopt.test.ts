import assert from "node:assert/strict";
import { test } from "node:test";
import { decideAdoption, pidAlive } from "./adopt.js";

const CONFIG = "/etc/redis/a.conf";

void test("a live recorded pid running redis-server with our config is adopted, even when it does not answer", () => {
  const decision = decideAdoption({
    config_path: CONFIG,
    recorded: { pid: 42, argv: ["redis-server *:6380", CONFIG, "--min-replicas-to-write", "2147483647"] },
    port: { kind: "no_answer", error: "no answer within 300 ms" },
  });
  assert.deepEqual(decision, { action: "adopt", pid: 42, evidence: "pid_record" });
});

void test("a recorded pid reused by another program is not adopted", () => {
  const decision = decideAdoption({
    config_path: CONFIG,
    recorded: { pid: 42, argv: ["/usr/bin/vim", CONFIG] },
    port: { kind: "free" },
  });
  assert.deepEqual(decision, { action: "spawn" });
});

void test("a server on our port started from our config file is adopted by its process_id", () => {
  const decision = decideAdoption({
    config_path: CONFIG,
    recorded: null,
    port: { kind: "answered", pid: 77, config_file: "/etc/redis/../redis/a.conf" },
  });
  assert.deepEqual(decision, { action: "adopt", pid: 77, evidence: "port" });
});

void test("a server on our port from another config file is refused with a code, not fought over", () => {
  const decision = decideAdoption({
    config_path: CONFIG,
    recorded: null,
    port: { kind: "answered", pid: 77, config_file: "/etc/redis/other.conf" },
  });
  assert.ok(decision.action === "refuse", JSON.stringify(decision));
  assert.equal(decision.error.code, "SP_ERR_REDIS_NOT_OURS");
  assert.match(decision.error.message, /other\.conf/);
});

void test("a free port and no live record: the server is started", () => {
  assert.deepEqual(decideAdoption({ config_path: CONFIG, recorded: null, port: { kind: "free" } }), {
    action: "spawn",
  });
});

void test("pidAlive: this process runs; a pid beyond pid_max does not", () => {
  assert.equal(pidAlive(process.pid), true);
  assert.equal(pidAlive(2 ** 30), false);
});
