import assert from "node:assert/strict";
import { test } from "node:test";
import { journalSubject } from "@sentinel-plane/protocol";
import type { AuditInput } from "../audit-log.js";
import type { JournalItem, JournalPager, RestJournals } from "./journal-read.js";
import { AUTH, fixture, MYID, PEER } from "./testing/test-support.js";

/** An in-memory stream: sequences 1..n, paged newest first as the JetStream adapter does. */
function memoryPager(items: JournalItem[]): JournalPager {
  return {
    page: (before, limit, scan_max, accept) => {
      const out: JournalItem[] = [];
      let seq = before === null ? items.length : Math.min(before - 1, items.length);
      for (let scanned = 0; seq >= 1 && out.length < limit && scanned < scan_max; scanned++, seq--) {
        const item = items[seq - 1];
        if (item !== undefined && accept(item)) out.push(item);
      }
      return Promise.resolve({ items: out, next_before: seq >= 1 ? seq + 1 : null });
    },
  };
}

const enc = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function failover(agent: string, epoch: number): unknown {
  return {
    v: 1,
    type: "failover_record",
    agent,
    master: "mymaster",
    epoch,
    leader: agent,
    started_at_ms: 1000 * epoch,
    ended_at_ms: 1000 * epoch + 500,
    duration_ms: 500,
    outcome: "end",
    from: { host: "127.0.0.1", port: 6379 },
    to: { host: "127.0.0.1", port: 6380 },
    events: [
      {
        name: "+try-failover",
        text: "master mymaster 127.0.0.1 6379",
        at_ms: 1000 * epoch,
        since_start_ms: 0,
      },
    ],
    events_dropped: 0,
  };
}

void test("history: paged newest first by stream sequence; invalid and forged records skipped and counted", async () => {
  const invalid: string[] = [];
  const history: JournalItem[] = [
    { seq: 1, subject: journalSubject("c", "history", MYID), data: enc(failover(MYID, 1)) },
    { seq: 2, subject: journalSubject("c", "history", MYID), data: new TextEncoder().encode("{not json") },
    // Claims PEER's record but was published under MYID's subject.
    { seq: 3, subject: journalSubject("c", "history", MYID), data: enc(failover(PEER, 3)) },
    { seq: 4, subject: journalSubject("c", "history", PEER), data: enc(failover(PEER, 4)) },
    { seq: 5, subject: journalSubject("c", "history", MYID), data: enc(failover(MYID, 5)) },
  ];
  const journals: RestJournals = {
    history: memoryPager(history),
    audit: memoryPager([]),
    on_invalid: (kind, seq) => invalid.push(`${kind}:${seq}`),
  };
  const { app } = await fixture({ journals });
  const first = await app.inject({ method: "GET", url: "/v1/history?limit=2" });
  assert.equal(first.statusCode, 200, first.body);
  const page1 = first.json<{
    failovers: { seq: number; epoch: number; leader: string }[];
    next_before: number;
  }>();
  assert.deepEqual(
    page1.failovers.map((f) => [f.seq, f.epoch]),
    [
      [5, 5],
      [4, 4],
    ],
  );
  assert.equal(page1.next_before, 4);
  const second = await app.inject({ method: "GET", url: `/v1/history?limit=2&before=${page1.next_before}` });
  const page2 = second.json<{ failovers: { seq: number }[]; next_before: number | null }>();
  assert.deepEqual(
    page2.failovers.map((f) => f.seq),
    [1],
  );
  assert.equal(page2.next_before, null);
  assert.deepEqual(invalid.sort(), ["history:2", "history:3"]);
  const bad = await app.inject({ method: "GET", url: "/v1/history?before=0" });
  assert.equal(bad.statusCode, 400);
  await app.close();
});

void test("audit: needs the operate role; REST changes are recorded with who and the outcome", async () => {
  const recorded: AuditInput[] = [];
  const journals: RestJournals = {
    history: memoryPager([]),
    audit: memoryPager([]),
    on_invalid: () => undefined,
  };
  const { app } = await fixture({
    journals,
    audit: { record: (input) => recorded.push(input) },
    tokens: ["reader-token-0123456789:read", "operator-token-0123456789:operate"],
  });
  const anonymous = await app.inject({ method: "GET", url: "/v1/audit" });
  assert.equal(anonymous.statusCode, 401);
  const reader = await app.inject({
    method: "GET",
    url: "/v1/audit",
    headers: { authorization: "Bearer reader-token-0123456789" },
  });
  assert.equal(reader.statusCode, 403);
  const operator = await app.inject({
    method: "GET",
    url: "/v1/audit",
    headers: { authorization: "Bearer operator-token-0123456789" },
  });
  assert.equal(operator.statusCode, 200, operator.body);
  assert.deepEqual(operator.json(), { entries: [], next_before: null });

  const refused = await app.inject({
    method: "PATCH",
    url: "/v1/masters/mymaster",
    headers: { authorization: "Bearer reader-token-0123456789", "user-agent": "sentinel-plane-cli/test" },
    payload: { quorum: 1 },
  });
  assert.equal(refused.statusCode, 403);
  const done = await app.inject({
    method: "POST",
    url: "/v1/masters/mymaster/reset",
    headers: { authorization: "Bearer operator-token-0123456789", "user-agent": "sentinel-plane-cli/test" },
  });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(recorded.length, 2);
  const [r0, r1] = recorded;
  assert.ok(r0 !== undefined && r1 !== undefined);
  assert.equal(r0.action, "PATCH /v1/masters/:name");
  assert.equal(r0.outcome, "SP_ERR_FORBIDDEN");
  assert.match(r0.principal ?? "", /^read token sha256:[0-9a-f]{8}$/);
  assert.equal(r1.action, "POST /v1/masters/:name/reset");
  assert.equal(r1.outcome, "ok");
  assert.equal(r1.master, "mymaster");
  assert.equal(r1.client, "sentinel-plane-cli/test");
  assert.match(r1.principal ?? "", /^operate token sha256:[0-9a-f]{8}$/);
  assert.doesNotMatch(JSON.stringify(recorded), /operator-token/);
  await app.close();
});

void test("history: no journal -> 503", async () => {
  const { app } = await fixture();
  const answer = await app.inject({ method: "GET", url: "/v1/history", headers: AUTH });
  assert.equal(answer.statusCode, 503);
  assert.equal(answer.json<{ code: string }>().code, "SP_ERR_UNAVAILABLE");
  await app.close();
});
