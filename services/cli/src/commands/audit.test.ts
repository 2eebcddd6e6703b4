import assert from "node:assert/strict";
import { test } from "node:test";
import { PLAIN } from "../render/colour.js";
import { auditFromRest, renderAudit } from "./audit.js";
import { nextBefore } from "./history.js";

const BODY = {
  entries: [
    {
      seq: 7,
      agent: "a".repeat(40),
      at_ms: Date.UTC(2026, 11, 3, 20, 0, 0),
      channel: "rest",
      who: {
        address: "127.0.0.1:50000",
        principal: "operate token sha256:0badcafe",
        client: "sentinel-plane-cli (ops@h1)",
      },
      action: "POST /v1/masters/:name/failover",
      args: ["mymaster"],
      master: "mymaster",
      outcome: "ok",
      detail: null,
    },
    {
      seq: 5,
      agent: "a".repeat(40),
      at_ms: Date.UTC(2026, 11, 3, 19, 0, 0),
      channel: "resp",
      who: { address: "127.0.0.1:50001", principal: null, client: null },
      action: "SENTINEL SET",
      args: ["mymaster", "auth-pass", "(redacted)"],
      master: "mymaster",
      outcome: "ERR",
      detail: "ERR nope",
    },
  ],
  next_before: 5,
};

void test("audit: the REST page as a table, with the next cursor", () => {
  const rows = auditFromRest(BODY);
  assert.equal(rows.length, 2);
  const text = renderAudit(rows, PLAIN);
  assert.match(text, /7\s+2026-12-03 20:00:00\s+rest\s+operate token sha256:0badcafe\s+127\.0\.0\.1:50000/);
  assert.match(text, /POST \/v1\/masters\/:name\/failover mymaster\s+ok/);
  assert.match(
    text,
    /5\s+2026-12-03 19:00:00\s+resp\s+-\s+127\.0\.0\.1:50001\s+-\s+SENTINEL SET mymaster auth-pass \(redacted\)\s+ERR/,
  );
  assert.equal(nextBefore(BODY), 5);
  assert.equal(nextBefore({ entries: [], next_before: null }), null);
  assert.equal(renderAudit([], PLAIN), "no audit records");
});
