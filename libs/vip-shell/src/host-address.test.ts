import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHostAddress } from "./host-address.js";

void describe("host addresses", () => {
  void it("parses host, host:port and bracketed IPv6", () => {
    assert.deepEqual(parseHostAddress("10.77.0.11:6379"), { host: "10.77.0.11", port: 6379 });
    assert.deepEqual(parseHostAddress("10.77.0.11"), { host: "10.77.0.11", port: null });
    assert.deepEqual(parseHostAddress("db1.example"), { host: "db1.example", port: null });
    assert.deepEqual(parseHostAddress("[fd00::1]:6379"), { host: "fd00::1", port: 6379 });
    assert.deepEqual(parseHostAddress("fd00::1"), { host: "fd00::1", port: null });
    for (const bad of ["", "10.0.0.1:0", "10.0.0.1:70000", "a b", "[10.0.0.1]:1", "fd00::zz", "h:1:x"]) {
      assert.equal(parseHostAddress(bad), null, bad);
    }
  });
});
