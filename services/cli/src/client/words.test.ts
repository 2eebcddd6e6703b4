import assert from "node:assert/strict";
import { test } from "node:test";
import { linkWord, replicaFlags } from "./words.js";

void test("linkWord: REST up/down and RESP ok/err give the same words; a down replica is down", () => {
  assert.equal(linkWord("up", ["slave"]), "up");
  assert.equal(linkWord("ok", ["slave"]), "up");
  assert.equal(linkWord("down", ["slave"]), "down");
  assert.equal(linkWord("err", ["slave"]), "down");
  // A killed replica: its last INFO said up, the agent now sees it down.
  assert.equal(linkWord("up", ["slave", "s_down", "disconnected"]), "down");
  assert.equal(linkWord("unknown", ["slave", "disconnected"]), "down");
  assert.equal(linkWord("unknown", ["slave"]), null);
  assert.equal(linkWord(null, []), null);
});

void test("replicaFlags: a healthy replica's fenced mark is not shown, other flags are", () => {
  assert.deepEqual(replicaFlags(["slave", "fenced"]), ["slave"]);
  assert.deepEqual(replicaFlags(["slave", "s_down", "fenced"]), ["slave", "s_down"]);
  assert.deepEqual(replicaFlags(["slave", "promoted"]), ["slave", "promoted"]);
});
