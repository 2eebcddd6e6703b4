import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PersistedState } from "@sentinel-plane/core";
import { checkNatsUserMyid, stateForConfMyid } from "./myid-authority.js";

const CONF_ID = "c".repeat(40);
const STATE_ID = "5".repeat(40);

const persisted: PersistedState = {
  myid: STATE_ID,
  current_epoch: 7,
  masters: [],
};

void describe("stateForConfMyid", () => {
  void it("keeps a state written under sentinel.conf's myid as it is", () => {
    const same = { ...persisted, myid: CONF_ID };
    const r = stateForConfMyid(same, CONF_ID);
    assert.equal(r.state, same);
    assert.equal(r.replaced_myid, null);
  });

  void it("moves a state written under another id to sentinel.conf's, epochs kept, and names the old id", () => {
    const r = stateForConfMyid(persisted, CONF_ID);
    assert.deepEqual(r.state, { ...persisted, myid: CONF_ID });
    assert.equal(r.replaced_myid, STATE_ID);
    assert.equal(persisted.myid, STATE_ID, "the input is not changed");
  });
});

void describe("checkNatsUserMyid", () => {
  void it("accepts the agent's own user, another role's or an operator's name, and no user", () => {
    assert.equal(checkNatsUserMyid(`agent-${CONF_ID}`, CONF_ID).ok, true);
    assert.equal(checkNatsUserMyid("admin", CONF_ID).ok, true);
    assert.equal(checkNatsUserMyid("observer-cli", CONF_ID).ok, true);
    assert.equal(checkNatsUserMyid(null, CONF_ID).ok, true);
  });

  void it("refuses a user bound to another agent id with SP_ERR_NATS_USER_MYID_MISMATCH naming both ids", () => {
    const r = checkNatsUserMyid(`agent-${STATE_ID}`, CONF_ID);
    assert.ok(!r.ok);
    assert.equal(r.error.code, "SP_ERR_NATS_USER_MYID_MISMATCH");
    assert.equal(
      r.error.message,
      `NATS user agent-${STATE_ID} is bound to agent id ${STATE_ID}, but sentinel.conf's myid is ${CONF_ID}: ` +
        `put \`sentinel myid ${STATE_ID}\` back in the file, or give this agent the NATS user agent-${CONF_ID}`,
    );
  });
});
