import { test } from "node:test";
import assert from "node:assert/strict";
import { directLeaseWanted } from "./lease-channel.js";

const base = {
  failsafe: true,
  bus_connected: true,
  now_ms: 1000,
  lease_until_ms: 1400,
  configured_lease_ms: 500,
  granted_lease_ms: 500,
  fence_lead_ms: 0,
};

void test("a healthy bus with a lease more than half left: no direct request", () => {
  assert.equal(directLeaseWanted(base), false);
});

void test("the bus is down: direct requests, whatever the lease", () => {
  assert.equal(directLeaseWanted({ ...base, bus_connected: false }), true);
});

void test("the bus is up but the lease is running low or none is held: direct requests", () => {
  assert.equal(directLeaseWanted({ ...base, lease_until_ms: 1249 }), true, "less than half left");
  assert.equal(directLeaseWanted({ ...base, lease_until_ms: 1250 }), false, "exactly half left");
  assert.equal(directLeaseWanted({ ...base, lease_until_ms: Number.NEGATIVE_INFINITY }), true);
  const none = { ...base, lease_until_ms: Number.NEGATIVE_INFINITY, granted_lease_ms: null };
  assert.equal(directLeaseWanted(none), true, "none granted since the start");
});

void test("running low is measured against the lease held: a shorter grant is not always low", () => {
  // Agents granting 200 ms of a configured 500 ms (0.4 x down_after 500), renewed every 50 ms: a
  // fresh lease has about 150-200 ms left, under half the configured lease but over half the held.
  const short = { ...base, granted_lease_ms: 200 };
  assert.equal(directLeaseWanted({ ...short, lease_until_ms: 1150 }), false, "three quarters left");
  assert.equal(directLeaseWanted({ ...short, lease_until_ms: 1100 }), false, "exactly half left");
  assert.equal(directLeaseWanted({ ...short, lease_until_ms: 1099 }), true, "less than half left");
});

void test("half of the usable lease: up to the self-fence point, a fence lead before the end", () => {
  // 200 ms held, renewed every 50 ms, the watchdog's lead 25 ms: the third request after the last
  // renewal (two unanswered) finds 100 ms left, 75 ms to the fence point: low, so the direct
  // request has those 75 ms to come back, not the 25 ms the next request would have.
  const lead = { ...base, granted_lease_ms: 200, fence_lead_ms: 25 };
  assert.equal(directLeaseWanted({ ...lead, lease_until_ms: 1150 }), false, "one unanswered");
  assert.equal(directLeaseWanted({ ...lead, lease_until_ms: 1100 }), true, "two unanswered");
  assert.equal(directLeaseWanted({ ...lead, lease_until_ms: 1113 }), false, "more than half usable left");
  assert.equal(directLeaseWanted({ ...lead, lease_until_ms: 1112 }), true, "less than half usable left");
});

void test("a grant longer than configured: the configured lease binds", () => {
  const long = { ...base, granted_lease_ms: 800 };
  assert.equal(directLeaseWanted({ ...long, lease_until_ms: 1250 }), false);
  assert.equal(directLeaseWanted({ ...long, lease_until_ms: 1249 }), true);
});

void test("no grant yet: the configured lease", () => {
  const none = { ...base, granted_lease_ms: null };
  assert.equal(directLeaseWanted({ ...none, lease_until_ms: 1250 }), false);
  assert.equal(directLeaseWanted({ ...none, lease_until_ms: 1249 }), true);
});

void test("failsafe off: never", () => {
  assert.equal(directLeaseWanted({ ...base, failsafe: false, bus_connected: false }), false);
  assert.equal(directLeaseWanted({ ...base, failsafe: false, lease_until_ms: 0 }), false);
});

void test("a lease that is no positive integer is a programmer error", () => {
  assert.throws(() => directLeaseWanted({ ...base, configured_lease_ms: 0 }), /configured lease_ms/);
  assert.throws(() => directLeaseWanted({ ...base, granted_lease_ms: 0 }), /granted lease_ms/);
});
