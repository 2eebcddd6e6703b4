import assert from "node:assert/strict";
import { test } from "node:test";
import { JournalQueue } from "./journal-queue.js";

void test("journal queue: FIFO, bounded, the oldest dropped and counted when full", () => {
  const q = new JournalQueue(2);
  assert.equal(q.push({ msg_id: "a", data: "1" }), null);
  assert.equal(q.push({ msg_id: "b", data: "2" }), null);
  assert.deepEqual(q.push({ msg_id: "c", data: "3" }), { msg_id: "a", data: "1" });
  assert.equal(q.size, 2);
  assert.equal(q.dropped, 1);
  assert.equal(q.peek()?.msg_id, "b");
  q.shift();
  assert.equal(q.peek()?.msg_id, "c");
  q.shift();
  assert.equal(q.peek(), null);
  assert.throws(() => new JournalQueue(0), /positive integer/);
});
