import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cachingCommand,
  getRedirReply,
  newTrackingState,
  trackingCommand,
  trackingInfoReply,
} from "./client-tracking.js";
import type { Reply } from "./reply.js";

const exists = (id: number): boolean => id === 7;
const track = (state: ReturnType<typeof newTrackingState>, ...args: string[]): Reply =>
  trackingCommand(state, ["client", "tracking", ...args], exists);
const err = (text: string): Reply => ({ type: "error", value: `ERR ${text}` });
const OK: Reply = { type: "simple", value: "OK" };

void test("TRACKING checks options in Redis 7.0's order and keeps the state TRACKINGINFO reports", () => {
  const state = newTrackingState();
  assert.deepEqual(getRedirReply(state), { type: "integer", value: -1 });
  assert.deepEqual(track(state, "on", "prefix", "a"), err("PREFIX option requires BCAST mode to be enabled"));
  assert.deepEqual(
    track(state, "on", "optin", "optout"),
    err("You can't specify both OPTIN mode and OPTOUT mode"),
  );
  assert.deepEqual(
    track(state, "on", "bcast", "optin"),
    err("OPTIN and OPTOUT are not compatible with BCAST"),
  );
  assert.deepEqual(
    track(state, "on", "redirect", "8"),
    err("The client ID you want redirect to does not exist"),
  );
  assert.deepEqual(track(state, "off", "bogus"), err("syntax error"));
  assert.equal(state.on, false, "refused calls change nothing");
  assert.deepEqual(
    track(state, "on", "bcast", "prefix", "ab", "prefix", "a"),
    err(
      "Prefix 'ab' overlaps with another provided prefix 'a'. Prefixes for a single client must not overlap.",
    ),
  );
  assert.deepEqual(track(state, "on", "bcast", "prefix", "b", "noloop", "redirect", "7"), OK);
  assert.deepEqual(
    track(state, "on", "bcast", "prefix", "bc"),
    err("Prefix 'bc' overlaps with an existing prefix 'b'. Prefixes for a single client must not overlap."),
  );
  assert.deepEqual(
    track(state, "on"),
    err(
      "You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    ),
  );
  assert.deepEqual(getRedirReply(state), { type: "integer", value: 7 });
  assert.deepEqual(trackingInfoReply(state), {
    type: "map",
    entries: [
      [
        { type: "bulk", value: "flags" },
        { type: "array", items: ["on", "bcast", "noloop"].map((v) => ({ type: "bulk", value: v })) },
      ],
      [
        { type: "bulk", value: "redirect" },
        { type: "integer", value: 7 },
      ],
      [
        { type: "bulk", value: "prefixes" },
        { type: "array", items: [{ type: "bulk", value: "b" }] },
      ],
    ],
  });
  assert.deepEqual(track(state, "off"), OK);
  assert.equal(state.prefixes.length, 0);
  assert.deepEqual(track(state, "on", "bcast"), OK);
  assert.deepEqual(state.prefixes, [""], "BCAST without PREFIX tracks every key");
});

void test("CACHING needs OPTIN (yes) or OPTOUT (no) tracking and marks the next command", () => {
  const state = newTrackingState();
  const needsMode = err(
    "CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
  );
  assert.deepEqual(cachingCommand(state, "yes"), needsMode);
  assert.deepEqual(track(state, "on", "optin"), OK);
  assert.deepEqual(
    cachingCommand(state, "no"),
    err("CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode."),
  );
  assert.deepEqual(cachingCommand(state, "maybe"), err("syntax error"));
  assert.deepEqual(cachingCommand(state, "yes"), OK);
  assert.equal(state.caching, true);
  assert.deepEqual(
    track(state, "on", "optout"),
    err(
      "You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    ),
  );
});
