// The INFO parser: what it keeps of a reply must not keep the reply's text alive. V8 makes a
// substring of 13 characters or more a view (a "sliced string") into its parent, so a 40-character
// run id cut out of a 5 kB reply held the whole reply: an agent kept two replies per master.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { getHeapSnapshot } from "node:v8";
import { parseInfo } from "./redis-info.js";
import type { InfoParseResult } from "./redis-info.js";

/** A replica's INFO whose first line carries `tag`; only the parse result leaves this function. */
function parseTagged(tag: string): InfoParseResult {
  const lines = [
    `# Server ${tag}`,
    "redis_version:7.0.15-long-enough",
    "run_id:8f2a4c1e9b7d3f5a6c0e2b4d8f1a3c5e7b9d0f2a",
    `# Padding ${"x".repeat(4000)}`,
    "# Replication",
    "role:slave",
    "master_host:redis-primary.example.internal",
    "master_port:6379",
    "master_link_status:up",
    "master_replid:1b3d5f7a9c2e4a6c8e0b2d4f6a8c0e1f3b5d7f9a",
    "master_replid2:0000000000000000000000000000000000000000",
    "slave0:ip=replica-one.example.internal,port=6380,state=wait_bgsave,offset=42,lag=0",
  ];
  return parseInfo(lines.join("\r\n") + "\r\n");
}

async function heapSnapshotText(): Promise<string> {
  // Taking a snapshot collects all garbage first: what it shows is reachable.
  const stream = getHeapSnapshot();
  stream.setEncoding("utf8");
  const chunks: string[] = [];
  for await (const chunk of stream) if (typeof chunk === "string") chunks.push(chunk);
  return chunks.join("");
}

void test("the parsed INFO holds no reference to the reply text", async () => {
  // A flat string (a concatenation would be shown in parts): the snapshot names it whole.
  const tag = randomBytes(16).toString("hex");
  const parsed = parseTagged(tag);
  assert.ok(parsed.ok);
  assert.equal(parsed.info.run_id, "8f2a4c1e9b7d3f5a6c0e2b4d8f1a3c5e7b9d0f2a");
  assert.equal(parsed.info.replicas[0]?.host, "replica-one.example.internal");
  const snapshot = await heapSnapshotText();
  // The snapshot names a string by its first characters: the reply starts with its first line,
  // a text that exists nowhere else (the tag alone does, so the search includes the prefix).
  const reply_start = `# Server ${tag}`;
  assert.ok(snapshot.includes(tag), "the tag is in the snapshot (the search works)");
  assert.ok(!snapshot.includes(reply_start), "the reply text is still reachable");
  // Keeps the result reachable until after the snapshot.
  assert.equal(parsed.info.role, "slave");
});
