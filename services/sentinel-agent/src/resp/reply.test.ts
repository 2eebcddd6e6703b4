// RESP doubles as Redis prints them (`%.17g`): RESP2 a bulk string, RESP3 `,`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { double, encodeReply, formatDouble } from "./reply.js";

void test("formatDouble prints C's %.17g", () => {
  assert.equal(formatDouble(0.051), "0.050999999999999997"); // as redis-sentinel's ACL LOG age
  assert.equal(formatDouble(1.5), "1.5");
  assert.equal(formatDouble(0), "0");
  assert.equal(formatDouble(12), "12");
  assert.equal(formatDouble(0.00001), "1.0000000000000001e-05");
  assert.equal(formatDouble(1e20), "1e+20");
  assert.equal(formatDouble(Infinity), "inf");
});

void test("a double is a bulk string in RESP2 and `,` in RESP3", () => {
  assert.equal(encodeReply(double(1.5), 2).toString(), "$3\r\n1.5\r\n");
  assert.equal(encodeReply(double(1.5), 3).toString(), ",1.5\r\n");
});
