import assert from "node:assert/strict";
import { test } from "node:test";
import type { ParseOutcome, RequestLimits } from "./request-parser.js";
import { RequestParser, parseStrictInteger, splitInlineArgs } from "./request-parser.js";

const LIMITS: RequestLimits = {
  inline_bytes_max: 64,
  bulk_bytes_max: 100,
  multibulk_count_max: 8,
  unauthenticated_multibulk_count_max: 3,
  unauthenticated_bulk_bytes_max: 10,
  request_bytes_max: 150,
};

function drain(parser: RequestParser, authenticated = true): ParseOutcome[] {
  const out: ParseOutcome[] = [];
  for (;;) {
    const outcome = parser.next(authenticated);
    if (outcome.kind === "incomplete") return out;
    out.push(outcome);
    if (outcome.kind === "error") return out;
  }
}

function argvOf(outcomes: readonly ParseOutcome[]): string[][] {
  return outcomes.map((o) => {
    if (o.kind !== "request") throw new Error(`expected a request, got ${JSON.stringify(o)}`);
    return o.argv.map((a) => a.toString());
  });
}

void test("multibulk requests fed one byte at a time parse like one chunk", () => {
  const wire = "*2\r\n$4\r\nPING\r\n$5\r\nhello\r\n*1\r\n$4\r\nROLE\r\n";
  const parser = new RequestParser(LIMITS);
  const got: ParseOutcome[] = [];
  for (const byte of Buffer.from(wire)) {
    parser.push(Buffer.from([byte]));
    got.push(...drain(parser));
  }
  assert.deepEqual(argvOf(got), [["PING", "hello"], ["ROLE"]]);
  assert.equal(parser.buffered_bytes, 0);
});

void test("bulk arguments are binary-safe and keep CRLF inside", () => {
  const parser = new RequestParser(LIMITS);
  parser.push(Buffer.from("*2\r\n$4\r\nPING\r\n$4\r\na\r\nb\r\n"));
  assert.deepEqual(argvOf(drain(parser)), [["PING", "a\r\nb"]]);
});

void test("inline requests: words, quotes, escapes, empty lines skipped, LF alone accepted", () => {
  const parser = new RequestParser(LIMITS);
  parser.push(
    Buffer.from(
      "\r\n\nsentinel   get-master-addr-by-name  mymaster\r\nping \"a b\\x41\\n\" 'it\\'s'\nPING\n",
    ),
  );
  assert.deepEqual(argvOf(drain(parser)), [
    ["sentinel", "get-master-addr-by-name", "mymaster"],
    ["ping", "a bA\n", "it's"],
    ["PING"],
  ]);
});

void test("unbalanced quotes are a protocol error", () => {
  assert.equal(splitInlineArgs(Buffer.from('ping "a b')), null);
  assert.equal(splitInlineArgs(Buffer.from('ping "a"b')), null);
  const parser = new RequestParser(LIMITS);
  parser.push(Buffer.from('ping "a b\r\n'));
  assert.deepEqual(drain(parser), [
    { kind: "error", message: "Protocol error: unbalanced quotes in request" },
  ]);
});

void test("lengths are refused from the header, before any body byte arrives", () => {
  const cases: [string, string][] = [
    ["*1\r\n$999999999999\r\n", "Protocol error: invalid bulk length"],
    ["*1\r\n$101\r\n", "Protocol error: invalid bulk length"],
    ["*1\r\n$-1\r\n", "Protocol error: invalid bulk length"],
    ["*1\r\n$abc\r\n", "Protocol error: invalid bulk length"],
    ["*99999999999\r\n", "Protocol error: invalid multibulk length"],
    ["*9\r\n", "Protocol error: invalid multibulk length"],
    ["*x\r\n", "Protocol error: invalid multibulk length"],
    ["*1\r\n*1\r\n", "Protocol error: expected '$', got '*'"],
    ["*2\r\n$1\r\na\r\n:1\r\n", "Protocol error: expected '$', got ':'"],
    ["*2\r\n$100\r\n" + "x".repeat(100) + "\r\n$60\r\n", "Protocol error: request too big"],
  ];
  for (const [wire, message] of cases) {
    const parser = new RequestParser(LIMITS);
    parser.push(Buffer.from(wire));
    assert.deepEqual(drain(parser), [{ kind: "error", message }], wire);
  }
});

void test("header and inline lines longer than the inline bound are refused", () => {
  const inline = new RequestParser(LIMITS);
  inline.push(Buffer.from("PING " + "x".repeat(100)));
  assert.deepEqual(drain(inline), [{ kind: "error", message: "Protocol error: too big inline request" }]);
  const count = new RequestParser(LIMITS);
  count.push(Buffer.from("*" + "1".repeat(100)));
  assert.deepEqual(drain(count), [{ kind: "error", message: "Protocol error: too big mbulk count string" }]);
  const bulk = new RequestParser(LIMITS);
  bulk.push(Buffer.from("*1\r\n$" + "1".repeat(100)));
  assert.deepEqual(drain(bulk), [{ kind: "error", message: "Protocol error: too big bulk count string" }]);
});

void test("unauthenticated clients get the tighter bounds", () => {
  const many = new RequestParser(LIMITS);
  many.push(Buffer.from("*4\r\n"));
  assert.deepEqual(drain(many, false), [
    { kind: "error", message: "Protocol error: unauthenticated multibulk length" },
  ]);
  const big = new RequestParser(LIMITS);
  big.push(Buffer.from("*1\r\n$11\r\n"));
  assert.deepEqual(drain(big, false), [
    { kind: "error", message: "Protocol error: unauthenticated bulk length" },
  ]);
  const fine = new RequestParser(LIMITS);
  fine.push(Buffer.from("*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n"));
  assert.deepEqual(argvOf(drain(fine, false)), [["AUTH", "pw"]]);
});

void test("empty multibulks are skipped without a reply; a truncated frame waits", () => {
  const parser = new RequestParser(LIMITS);
  parser.push(Buffer.from("*0\r\n*-1\r\n*1\r\n$4\r\nPI"));
  assert.deepEqual(drain(parser), []);
  parser.push(Buffer.from("NG\r\n"));
  assert.deepEqual(argvOf(drain(parser)), [["PING"]]);
});

void test("parseStrictInteger follows Redis's string2ll", () => {
  assert.equal(parseStrictInteger("0"), 0);
  assert.equal(parseStrictInteger("-12"), -12);
  for (const bad of ["", "+1", "01", "1.5", " 1", "-0", "1e3", "99999999999999999999"]) {
    assert.equal(parseStrictInteger(bad), null, bad);
  }
});
