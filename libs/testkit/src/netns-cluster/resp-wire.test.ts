import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeCommand, parseReply } from "./resp-wire.js";

void describe("resp-wire", () => {
  void it("encodes a command as an array of bulk strings", () => {
    assert.equal(encodeCommand(["SET", "vip:1", "é"]), "*3\r\n$3\r\nSET\r\n$5\r\nvip:1\r\n$2\r\né\r\n");
  });

  void it("parses simple, error, integer and bulk replies, and says when bytes are missing", () => {
    assert.deepEqual(parseReply(Buffer.from("+OK\r\n")), { reply: { kind: "simple", text: "OK" }, used: 5 });
    assert.deepEqual(parseReply(Buffer.from("-READONLY no\r\n+OK")), {
      reply: { kind: "error", text: "READONLY no" },
      used: 14,
    });
    assert.deepEqual(parseReply(Buffer.from(":7\r\n")), { reply: { kind: "integer", text: "7" }, used: 4 });
    assert.deepEqual(parseReply(Buffer.from("$3\r\nabc\r\n")), {
      reply: { kind: "bulk", text: "abc" },
      used: 9,
    });
    assert.deepEqual(parseReply(Buffer.from("$-1\r\n")), { reply: { kind: "bulk", text: null }, used: 5 });
    assert.equal(parseReply(Buffer.from("$3\r\nab")), null);
    assert.equal(parseReply(Buffer.from("+O")), null);
    assert.throws(() => parseReply(Buffer.from("*1\r\n")), /unexpected reply/);
  });
});
