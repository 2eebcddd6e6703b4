// Admin refusals map to problems by their registry code, never by their text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { adminError } from "./problem.js";

void test("an admin refusal's problem follows its code", () => {
  const error = (reply: Parameters<typeof adminError>[0]) => {
    const mapped = adminError(reply, "mymaster");
    return mapped === null ? null : [mapped.code, mapped.message];
  };
  assert.equal(error({ ok: true, message: "OK" }), null);
  assert.deepEqual(
    error({
      ok: false,
      code: "SP_ERR_UNKNOWN_MASTER",
      message: "ERR No such master with that name",
      detail: "x",
    }),
    ["SP_ERR_UNKNOWN_MASTER", "no master named mymaster"],
  );
  assert.deepEqual(
    error({ ok: false, code: "SP_ERR_NO_GOOD_REPLICA", message: "NOGOODSLAVE none", detail: "none" }),
    ["SP_ERR_NO_GOOD_REPLICA", "no replica can be promoted: none"],
  );
  // The text does not choose the code: a refusal that mentions a master stays what its code says.
  assert.deepEqual(
    error({
      ok: false,
      code: "SP_ERR_ADMIN_REFUSED",
      message: "ERR no such master here",
      detail: "no such master here",
    }),
    ["SP_ERR_ADMIN_REFUSED", "refused: no such master here"],
  );
  // The loop's own: its text is the detail; BUSY and STOPPED are the API's OVERLOADED and UNAVAILABLE.
  assert.deepEqual(error({ ok: false, code: "SP_ERR_UNAVAILABLE", message: "kv down, retry" }), [
    "SP_ERR_UNAVAILABLE",
    "kv down, retry",
  ]);
  assert.deepEqual(error({ ok: false, code: "SP_ERR_BUSY", message: "queue full" }), [
    "SP_ERR_OVERLOADED",
    "too many requests in flight (max admin requests)",
  ]);
  assert.deepEqual(error({ ok: false, code: "SP_ERR_STOPPED", message: "agent stopped" }), [
    "SP_ERR_UNAVAILABLE",
    "the agent is stopping",
  ]);
});
