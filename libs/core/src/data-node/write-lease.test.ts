import { test } from "node:test";
import assert from "node:assert/strict";
import {
  grantReceived,
  LEASE_REQUEST_INTERVAL_MIN_MS,
  LEASE_REQUESTS_KEPT,
  leaseLiftAllowed,
  leaseHeldMs,
  leaseRequestIntervalMs,
  leaseRequestRearmMs,
  leaseValid,
  newWriteLease,
  leaseUntilMs,
  promoteLeaseReset,
  promoteLeaseWaitMs,
  PROMOTE_LEASE_WAIT_MAX_MS,
  requestSent,
} from "./write-lease.js";
import type { GrantSeen } from "./write-lease.js";

function grant(from: string, seq: number, over: Partial<GrantSeen> = {}): GrantSeen {
  return { from, seq, granted: true, config_epoch: 2, lease_ms: 400, agents_known: 3, ...over };
}

void test("a majority of max(agents_known) for one request: the lease runs from its send time", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 1000);
  assert.equal(grantReceived(lease, grant("a", 1)), false, "one of three");
  assert.equal(grantReceived(lease, grant("a", 1)), false, "the same agent twice counts once");
  assert.equal(leaseValid(lease, 1001), false);
  assert.equal(grantReceived(lease, grant("b", 1, { lease_ms: 300 })), true);
  assert.equal(lease.until_ms, 1300, "send time + the smallest granted lease_ms");
  assert.equal(leaseValid(lease, 1299), true);
  assert.equal(leaseValid(lease, 1300), false);
});

void test("refusals do not count, and a larger agents_known raises the majority", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 0);
  grantReceived(lease, grant("a", 1, { agents_known: 5 }));
  grantReceived(lease, grant("b", 1));
  assert.equal(grantReceived(lease, grant("c", 1, { granted: false })), false);
  assert.equal(lease.until_ms, null, "2 of 5");
  assert.equal(grantReceived(lease, grant("d", 1)), true, "3 of 5");
});

void test("a lease is never shortened by a later majority, and unknown requests count for nothing", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 1000);
  requestSent(lease, 2, 1100);
  grantReceived(lease, grant("a", 2));
  grantReceived(lease, grant("b", 2));
  assert.equal(lease.until_ms, 1500);
  grantReceived(lease, grant("a", 1));
  grantReceived(lease, grant("b", 1));
  assert.equal(lease.until_ms, 1500);
  assert.equal(grantReceived(lease, grant("a", 99)), false);
  for (let seq = 3; seq < 3 + LEASE_REQUESTS_KEPT; seq += 1) requestSent(lease, seq, 2000);
  assert.equal(lease.pending.size, LEASE_REQUESTS_KEPT, "bounded");
});

void test("lift: only with a valid lease whose grants all carry the accepted epoch or newer", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 0);
  grantReceived(lease, grant("a", 1, { config_epoch: 3 }));
  grantReceived(lease, grant("b", 1, { config_epoch: 2 }));
  assert.equal(leaseLiftAllowed(lease, 10, 2), true);
  assert.equal(leaseLiftAllowed(lease, 10, 3), false, "one grant is older than the accepted epoch");
  assert.equal(leaseLiftAllowed(lease, 500, 2), false, "expired");
  // With the watchdog's fence lead (lease until 400): a lease in its last 50 ms lifts nothing.
  assert.equal(leaseLiftAllowed(lease, 349, 2, 50), true);
  assert.equal(leaseLiftAllowed(lease, 350, 2, 50), false, "inside the lead");
});

void test("a promote gives no lease: the old one and requests in flight are dropped", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 0);
  grantReceived(lease, grant("a", 1, { config_epoch: 2 }));
  grantReceived(lease, grant("b", 1, { config_epoch: 2 }));
  requestSent(lease, 2, 100);
  assert.equal(leaseValid(lease, 150), true);
  promoteLeaseReset(lease);
  assert.equal(leaseValid(lease, 150), false, "the older primary's lease is gone");
  assert.equal(leaseUntilMs(lease), Number.NEGATIVE_INFINITY);
  // Grants for the request sent before the promotion no longer count.
  assert.equal(grantReceived(lease, grant("a", 2, { config_epoch: 2 })), false);
  assert.equal(grantReceived(lease, grant("b", 2, { config_epoch: 2 })), false);
  assert.equal(leaseValid(lease, 150), false);
});

void test("promote-lease grants vouch for the request's epoch, not the agents' config epoch", () => {
  const lease = newWriteLease();
  requestSent(lease, 1, 0);
  grantReceived(lease, grant("a", 1, { config_epoch: 2, epoch: 3 }));
  grantReceived(lease, grant("b", 1, { config_epoch: 2, epoch: 3 }));
  assert.equal(leaseLiftAllowed(lease, 10, 3), true, "a majority vouches for epoch 3");
  const older = newWriteLease();
  requestSent(older, 1, 0);
  grantReceived(older, grant("a", 1, { config_epoch: 2, epoch: 3 }));
  grantReceived(older, grant("b", 1, { config_epoch: 2 })); // an older agent: config_epoch only
  assert.equal(leaseLiftAllowed(older, 10, 3), false);
});

void test("the majority is never taken over fewer agents than ever heard of (agents_floor)", () => {
  const configured = newWriteLease(3);
  requestSent(configured, 1, 0);
  assert.equal(grantReceived(configured, grant("a", 1, { agents_known: 1 })), false, "1 of 3 configured");
  assert.equal(grantReceived(configured, grant("b", 1, { agents_known: 1 })), true, "2 of 3");

  const heard = newWriteLease();
  requestSent(heard, 1, 0);
  grantReceived(heard, grant("a", 1, { granted: false, agents_known: 5 }));
  requestSent(heard, 2, 10);
  assert.equal(grantReceived(heard, grant("b", 2, { agents_known: 1 })), false, "a refusal said 5");
  assert.equal(grantReceived(heard, grant("c", 2, { agents_known: 1 })), false, "2 of 5");
  assert.equal(grantReceived(heard, grant("d", 2, { agents_known: 1 })), true, "3 of 5");
  promoteLeaseReset(heard);
  assert.equal(heard.agents_floor, 5, "a promotion keeps what was heard");
});

void test("lease requests every quarter of the shorter of the configured and the granted lease", () => {
  assert.equal(leaseRequestIntervalMs(500, null), 125, "none granted yet: the configured lease");
  assert.equal(leaseRequestIntervalMs(500, 200), 50, "granted shorter (down_after 500): its quarter");
  assert.equal(leaseRequestIntervalMs(500, 800), 125, "granted longer: the configured lease binds");
  assert.equal(leaseRequestIntervalMs(500, 500), 125);
  assert.equal(leaseRequestIntervalMs(2001, null), 500, "rounded down");
});

void test("the lease held: the shorter of the configured and the granted lease", () => {
  assert.equal(leaseHeldMs(500, null), 500, "none granted yet: the configured lease");
  assert.equal(leaseHeldMs(500, 200), 200);
  assert.equal(leaseHeldMs(500, 800), 500);
  assert.throws(() => leaseHeldMs(500.5, null), /configured lease_ms/);
  assert.throws(() => leaseHeldMs(500, -1), /granted lease_ms/);
});

void test("lease requests: never more often than the floor", () => {
  assert.equal(leaseRequestIntervalMs(40, null), LEASE_REQUEST_INTERVAL_MIN_MS);
  assert.equal(leaseRequestIntervalMs(500, 1), LEASE_REQUEST_INTERVAL_MIN_MS);
  assert.equal(leaseRequestIntervalMs(100, 100), 25);
  assert.equal(leaseRequestIntervalMs(104, null), 26);
});

void test("lease requests: a lease of 0 or a fraction is a programmer error", () => {
  assert.throws(() => leaseRequestIntervalMs(0, null), /configured lease_ms/);
  assert.throws(() => leaseRequestIntervalMs(500.5, null), /configured lease_ms/);
  assert.throws(() => leaseRequestIntervalMs(500, 0), /granted lease_ms/);
  assert.throws(() => leaseRequestIntervalMs(500, Number.NaN), /granted lease_ms/);
});

void test("lease requests: the interval follows the lease the latest majority granted", () => {
  const lease = newWriteLease();
  assert.equal(leaseRequestIntervalMs(500, lease.granted_lease_ms), 125);
  requestSent(lease, 1, 0);
  grantReceived(lease, grant("a", 1, { lease_ms: 200 }));
  assert.equal(leaseRequestIntervalMs(500, lease.granted_lease_ms), 125, "one of three: nothing held");
  grantReceived(lease, grant("b", 1, { lease_ms: 300 }));
  assert.equal(leaseRequestIntervalMs(500, lease.granted_lease_ms), 50, "the majority's smallest");
});

void test("a grant that shortens the interval brings the next tick to the last tick + the new interval", () => {
  const tick = { ticked_ms: 1000, interval_ms: 125 };
  assert.equal(leaseRequestRearmMs(tick, 1020, 50), 30, "due at 1050");
  assert.equal(leaseRequestRearmMs(tick, 1070, 50), 0, "overdue: at once");
  assert.equal(leaseRequestRearmMs(tick, 1020.4, 50), 30, "whole milliseconds, never early");
  assert.equal(leaseRequestRearmMs(tick, 1020, 125), null, "the same interval: the armed tick stays");
  assert.equal(leaseRequestRearmMs(tick, 1020, 200), null, "a longer one waits for the next tick");
});

void test("a promote waits for its lease a quarter of the lease, at most PROMOTE_LEASE_WAIT_MAX_MS", () => {
  assert.equal(promoteLeaseWaitMs(400), 100);
  assert.equal(promoteLeaseWaitMs(200), 50);
  assert.equal(promoteLeaseWaitMs(2000), PROMOTE_LEASE_WAIT_MAX_MS);
  assert.equal(promoteLeaseWaitMs(3), 0);
  assert.throws(() => promoteLeaseWaitMs(0), /positive integer/);
  assert.throws(() => promoteLeaseWaitMs(1.5), /positive integer/);
});
