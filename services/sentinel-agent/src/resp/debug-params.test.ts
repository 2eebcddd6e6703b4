import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DebugParams } from "./debug-params.js";
import type { Reply } from "./reply.js";

function names(reply: Reply): string[] {
  if (reply.type !== "map") return assert.fail(`expected a map, got ${reply.type}`);
  return reply.entries.map(([name]) => (name.type === "bulk" ? String(name.value) : name.type));
}

void describe("SENTINEL DEBUG", () => {
  void it("lists Sentinel's 13 timing parameters with its defaults, upper-case, in its order", () => {
    const reply = new DebugParams().command([]);
    assert.deepEqual(names(reply), [
      "INFO-PERIOD",
      "PING-PERIOD",
      "ASK-PERIOD",
      "PUBLISH-PERIOD",
      "DEFAULT-DOWN-AFTER",
      "DEFAULT-FAILOVER-TIMEOUT",
      "TILT-TRIGGER",
      "TILT-PERIOD",
      "SLAVE-RECONF-TIMEOUT",
      "MIN-LINK-RECONNECT-PERIOD",
      "ELECTION-TIMEOUT",
      "SCRIPT-MAX-RUNTIME",
      "SCRIPT-RETRY-DELAY",
    ]);
  });

  void it("sets several parameters at once, case-insensitively (Redis's test harness does)", () => {
    const params = new DebugParams();
    assert.deepEqual(params.command(["info-period", "100", "TILT-PERIOD", "5000"]), {
      type: "simple",
      value: "OK",
    });
    assert.equal(params.get("info-period"), 100);
    assert.equal(params.get("tilt-period"), 5000);
  });

  void it("refuses with Sentinel's errors and changes nothing", () => {
    const params = new DebugParams();
    const bad_value = params.command(["ping-period", "100", "ask-period", "0"]);
    assert.deepEqual(bad_value, {
      type: "error",
      value: "ERR Invalid argument '0' for SENTINEL DEBUG 'ask-period'",
    });
    assert.equal(params.get("ping-period"), 1000, "the valid pair before it is not applied either");
    const unknown = params.command(["frob", "1"]);
    assert.deepEqual(unknown, {
      type: "error",
      value: "ERR Unknown option or number of arguments for SENTINEL DEBUG 'frob'",
    });
    const missing = params.command(["info-period"]);
    assert.equal(missing.type, "error");
  });

  void it("hands every accepted change to onChange (the agent's timing), never a refused one", () => {
    const seen: (number | undefined)[][] = [];
    const params = new DebugParams((get) => seen.push([get("tilt-period"), get("info-period")]));
    assert.equal(params.command(["tilt-period", "5000", "info-period", "0"]).type, "error");
    assert.deepEqual(seen, []);
    assert.deepEqual(params.command(["TILT-PERIOD", "5000"]), { type: "simple", value: "OK" });
    assert.deepEqual(seen, [[5000, 10_000]]);
  });
});
