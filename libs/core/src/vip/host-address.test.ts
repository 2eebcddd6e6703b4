import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostHasEndpoint, parseHostAddress } from "./host_address.js";

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

  void it("matches an endpoint exactly with a port, any port without", () => {
    const primary = { host: "10.77.0.11", port: 6379 };
    assert.equal(hostHasEndpoint(["10.77.0.11:6379"], primary), true);
    assert.equal(hostHasEndpoint(["10.77.0.11:6380"], primary), false, "same address, another instance");
    assert.equal(hostHasEndpoint(["10.77.0.11"], primary), true);
    assert.equal(hostHasEndpoint(["10.77.0.12", "10.77.0.111:6379"], primary), false);
    assert.equal(hostHasEndpoint([], primary), false);
  });
});
