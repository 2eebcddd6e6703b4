import assert from "node:assert/strict";
import { test } from "node:test";
import { withRequirepass } from "./sentinel-password.js";

void test("adds requirepass to a file without one, keeping every other line", () => {
  assert.equal(
    withRequirepass("port 26379\nbind 127.0.0.1\n", "pw1"),
    "port 26379\nbind 127.0.0.1\nrequirepass pw1\n",
  );
});

void test("leaves a file that has the password alone", () => {
  assert.equal(withRequirepass("port 26379\nrequirepass pw1\nuser ops on >x +@sp-operate\n", "pw1"), null);
});

void test("a new password replaces the old one and drops the default user's line, not the others", () => {
  const rotated = withRequirepass(
    "port 26379\nrequirepass old\nuser default on #abc ~* &* +@all\nuser ops on >x +@sp-operate\n",
    "new",
  );
  assert.equal(rotated, "port 26379\nuser ops on >x +@sp-operate\nrequirepass new\n");
});
