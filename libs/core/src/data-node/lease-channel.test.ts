import { test } from "node:test";
import assert from "node:assert/strict";
import { directLeaseWanted } from "./lease-channel.js";

const base = { failsafe: true, bus_connected: true, now_ms: 1000, lease_until_ms: 1400, lease_ms: 500 };

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
});

void test("failsafe off: never", () => {
  assert.equal(directLeaseWanted({ ...base, failsafe: false, bus_connected: false }), false);
  assert.equal(directLeaseWanted({ ...base, failsafe: false, lease_until_ms: 0 }), false);
});
