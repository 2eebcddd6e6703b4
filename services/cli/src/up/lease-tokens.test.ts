import assert from "node:assert/strict";
import { test } from "node:test";
import { leaseToken, leaseTokenLines, withLeaseTokens } from "./lease-tokens.js";

const REST = "0123456789abcdef0123";
const WANTED = leaseTokenLines(REST, ["node-0", "node-1"]);

void test("one token per data-node, derived one-way from the REST token and the node id", () => {
  assert.notEqual(leaseToken(REST, "node-0"), leaseToken(REST, "node-1"));
  assert.notEqual(leaseToken(REST, "node-0"), leaseToken("another-rest-token-0000", "node-0"));
  assert.equal(WANTED[1], `sentinel-plane rest-token ${leaseToken(REST, "node-1")} lease node-1`);
});

void test("an unbound lease token is replaced by the bound ones; other tokens are kept", () => {
  // As `up` wrote it before the binding, and as the agent's rewrite joins the tokens.
  for (const [before, kept] of [
    [
      `port 1\nsentinel-plane rest-token ${REST}\nsentinel-plane rest-token old-lease-0123456789 lease\n`,
      `sentinel-plane rest-token ${REST}`,
    ],
    [
      `port 1\nsentinel-plane rest-token ${REST},old-lease-0123456789:lease\n`,
      `sentinel-plane rest-token ${REST}`,
    ],
    [
      `port 1\nsentinel-plane rest-token ${REST}:operate,old:lease:node-9\n`,
      `sentinel-plane rest-token ${REST}:operate`,
    ],
  ] as const) {
    const after = withLeaseTokens(before, WANTED);
    assert.ok(after !== null);
    assert.equal(after, `port 1\n${kept}\n${WANTED.join("\n")}\n`);
    assert.equal(withLeaseTokens(after, WANTED), null, "a second start changes nothing");
  }
});

void test("the agent's rewrite of the bound tokens (one joined line) is brought back to one line each", () => {
  const joined = `port 1\nsentinel-plane rest-token ${REST},${leaseToken(REST, "node-0")}:lease:node-0\n`;
  assert.equal(
    withLeaseTokens(joined, WANTED),
    `port 1\nsentinel-plane rest-token ${REST}\n${WANTED.join("\n")}\n`,
  );
});
