import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalArgv } from "./valkey-aliases.js";

void describe("Valkey spellings", () => {
  void it("rewrites PRIMARY forms to Redis Sentinel's MASTER forms, any case", () => {
    assert.deepEqual(canonicalArgv(["SENTINEL", "GET-PRIMARY-ADDR-BY-NAME", "m"]), [
      "SENTINEL",
      "get-master-addr-by-name",
      "m",
    ]);
    assert.deepEqual(canonicalArgv(["sentinel", "Primaries"]), ["sentinel", "masters"]);
    assert.deepEqual(canonicalArgv(["sentinel", "primary", "m"]), ["sentinel", "master", "m"]);
  });

  void it("accepts FAILOVER <name> COORDINATED as the (already coordinated) FAILOVER <name>", () => {
    assert.deepEqual(canonicalArgv(["SENTINEL", "FAILOVER", "m", "COORDINATED"]), [
      "SENTINEL",
      "FAILOVER",
      "m",
    ]);
    const other = ["SENTINEL", "FAILOVER", "m", "FORCE"];
    assert.equal(canonicalArgv(other), other, "anything else keeps Sentinel's arity error");
  });

  void it("leaves every other command alone", () => {
    const argv = ["SENTINEL", "MASTERS"];
    assert.equal(canonicalArgv(argv), argv);
    const ping = ["PING", "primary"];
    assert.equal(canonicalArgv(ping), ping);
  });
});
