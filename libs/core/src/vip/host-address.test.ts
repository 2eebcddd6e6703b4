import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostHasEndpoint } from "./host-address.js";

void describe("host addresses", () => {
  void it("matches an endpoint exactly with a port, any port without", () => {
    const primary = { host: "10.77.0.11", port: 6379 };
    assert.equal(hostHasEndpoint([{ host: "10.77.0.11", port: 6379 }], primary), true);
    assert.equal(
      hostHasEndpoint([{ host: "10.77.0.11", port: 6380 }], primary),
      false,
      "same address, another instance",
    );
    assert.equal(hostHasEndpoint([{ host: "10.77.0.11", port: null }], primary), true);
    assert.equal(
      hostHasEndpoint(
        [
          { host: "10.77.0.12", port: null },
          { host: "10.77.0.111", port: 6379 },
        ],
        primary,
      ),
      false,
    );
    assert.equal(hostHasEndpoint([], primary), false);
  });
});
