// The links to the peers' Sentinel ports against a real Sentinel port (RespServer over a fake
// view, requirepass as the harness's ACL teardown would leave it), driven round by round with a
// simulated clock: what CKQUORUM counts as a reachable peer.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import type { Address } from "@sentinel-plane/core";
import { afterReply, PeerPortWatch, peerPortDown } from "./peer-port-watch.js";
import { RedisProber } from "./redis-prober.js";
import type { RedisAuth } from "./redis-prober.js";
import { FakeSentinelView } from "./resp/testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./resp/server.js";

const DOWN_AFTER_MS = 2000;

async function sentinelPort(
  t: TestContext,
  requirepass: string | null,
): Promise<{ server: RespServer; port: number }> {
  const server = new RespServer({
    host: "127.0.0.1",
    port: 0,
    view: new FakeSentinelView(),
    requirepass,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "/etc/sentinel-plane/sentinel.conf",
    now_ms: Date.now,
  });
  const { port } = await server.listen();
  t.after(() => server.close());
  return { server, port };
}

function watch(t: TestContext, targets: () => Address[], auth: () => RedisAuth, clock: { now: number }) {
  const prober = new RedisProber({
    instances_max: 16,
    connect_timeout_ms: 1000,
    reconnect_max_ms: 1000,
    auth_for: auth,
    connection_name: "sentinel-test-cmd",
  });
  const w = new PeerPortWatch({
    prober,
    now_ms: () => clock.now,
    targets,
    ping_period_ms: 1000,
    ping_timeout_ms: 2000,
    peers_max: 16,
    retain: (kept) => {
      prober.retain(kept);
    },
    close: () => {
      prober.close();
    },
  });
  t.after(() => {
    w.close();
  });
  return w;
}

void test("a peer whose port refuses this agent's login is down after down-after, up at its first PONG with the credentials set", async (t) => {
  const { port } = await sentinelPort(t, "s3cret");
  const peer = { host: "127.0.0.1", port };
  const clock = { now: 1000 };
  let auth: RedisAuth = {};
  const w = watch(
    t,
    () => [peer],
    () => auth,
    clock,
  );

  await w.round(); // NOAUTH: a reply, not a valid one
  const first = w.record(peer);
  assert.ok(first !== undefined);
  assert.equal(first.unanswered_since_ms, 1000);
  assert.equal(first.last_ok_ms, null);
  assert.equal(first.last_reply_ms, 1000);
  clock.now = 3000;
  await w.round();
  assert.equal(peerPortDown(w.record(peer), clock.now, DOWN_AFTER_MS), false, "exactly down-after: not yet");
  clock.now = 3001;
  assert.equal(peerPortDown(w.record(peer), clock.now, DOWN_AFTER_MS), true);

  auth = { password: "s3cret" }; // SENTINEL CONFIG SET sentinel-pass: the link is replaced
  clock.now = 4000;
  await w.round();
  const after = w.record(peer);
  assert.ok(after !== undefined);
  assert.equal(after.unanswered_since_ms, null);
  assert.equal(after.last_ok_ms, 4000);
  assert.equal(peerPortDown(after, clock.now, DOWN_AFTER_MS), false);
});

void test("a peer whose port is closed is down after down-after; a peer no longer known is forgotten", async (t) => {
  const { server, port } = await sentinelPort(t, null);
  const peer = { host: "127.0.0.1", port };
  const clock = { now: 0 };
  let targets = [peer];
  const w = watch(
    t,
    () => targets,
    () => ({}),
    clock,
  );
  await w.round();
  assert.equal(w.record(peer)?.last_ok_ms, 0, "no password asked: PONG");

  await server.close();
  clock.now = 1000;
  await w.round();
  assert.equal(w.record(peer)?.unanswered_since_ms, 1000);
  assert.equal(w.record(peer)?.last_reply_ms, 0, "a refused connection is no reply");
  clock.now = 3500;
  await w.round();
  assert.equal(peerPortDown(w.record(peer), clock.now, DOWN_AFTER_MS), true);

  targets = [];
  await w.round();
  assert.equal(w.record(peer), undefined);
});

void test("LOADING and MASTERDOWN count as valid replies, as in sentinel.c; a timeout is no reply", () => {
  const record = { last_ping_sent_ms: 5, last_ok_ms: null, last_reply_ms: null, unanswered_since_ms: 5 };
  assert.deepEqual(afterReply(record, { kind: "ping", ok: true, reply: "LOADING" }, 9), {
    last_ping_sent_ms: 5,
    last_ok_ms: 9,
    last_reply_ms: 9,
    unanswered_since_ms: null,
  });
  assert.equal(
    afterReply(record, { kind: "ping", ok: false, error: "probe timed out" }, 9).last_reply_ms,
    null,
  );
  assert.equal(
    afterReply(record, { kind: "ping", ok: false, error: "WRONGPASS invalid username-password pair" }, 9)
      .last_reply_ms,
    9,
  );
  assert.equal(peerPortDown(undefined, 1e9, DOWN_AFTER_MS), false, "a peer never pinged is not down");
});
