import assert from "node:assert/strict";
import { test } from "node:test";
import { aclCommands } from "../command-table.js";
import { AclUsers } from "./users.js";

const UNIVERSE = aclCommands();

function users(requirepass: string | null, lines: { name: string; rules: string[] }[] = []): AclUsers {
  const built = AclUsers.fromConfig(requirepass, lines, UNIVERSE);
  if (!built.ok) assert.fail(built.errors.join("; "));
  return built.users;
}

void test("no configuration: the default user is on, nopass, and nobody needs AUTH", () => {
  const u = users(null);
  assert.equal(u.authRequired, false);
  assert.deepEqual(u.lines(), [{ name: "default", rules: ["on", "nopass", "~*", "&*", "+@all"] }]);
  // nopass: any password logs in, as Redis.
  assert.equal(u.authenticate("default", "whatever")?.name, "default");
});

void test("requirepass is the default user's password; a `user default` line replaces it", () => {
  const u = users("s3cret");
  assert.equal(u.authRequired, true);
  assert.equal(u.authenticate("default", "s3cret")?.name, "default");
  assert.equal(u.authenticate("default", "wrong"), null);
  const replaced = users("old", [{ name: "default", rules: ["on", ">new", "~*", "&*", "+@all"] }]);
  assert.equal(replaced.authenticate("default", "old"), null);
  assert.equal(replaced.authenticate("default", "new")?.name, "default");
});

void test("authenticate refuses unknown users, disabled users and wrong passwords alike", () => {
  const u = users(null, [
    { name: "ops", rules: ["on", ">pw", "+@sp-operate"] },
    { name: "gone", rules: ["off", ">pw", "+@all"] },
  ]);
  assert.equal(u.authenticate("ops", "pw")?.name, "ops");
  assert.equal(u.authenticate("ops", "PW"), null);
  assert.equal(u.authenticate("gone", "pw"), null);
  assert.equal(u.authenticate("nobody", "pw"), null);
});

void test("configuration errors name the user and the rule; duplicates are refused", () => {
  const bad = AclUsers.fromConfig(
    null,
    [
      { name: "a", rules: ["on", "+nosuch"] },
      { name: "b", rules: ["on"] },
      { name: "b", rules: ["off"] },
      { name: "c d", rules: [] },
    ],
    UNIVERSE,
  );
  if (bad.ok) assert.fail("accepted bad user lines");
  assert.deepEqual(bad.errors, [
    "Error in user declaration 'a': +nosuch: Unknown command or category name in ACL",
    "Duplicate user 'b' found",
    "Usernames can't contain spaces or null characters",
  ]);
});

void test("SETUSER is all or nothing; DELUSER never removes default; lists are sorted", () => {
  const u = users(null);
  assert.deepEqual(u.setUser("zed", ["on", ">p", "+@all"]), { ok: true });
  assert.deepEqual(u.setUser("amy", ["on"]), { ok: true });
  assert.deepEqual(u.setUser("amy", [">x", "bogus"]), {
    ok: false,
    message: "Error in ACL SETUSER modifier 'bogus': Syntax error",
  });
  // The refused call changed nothing: amy still has no password.
  assert.deepEqual(u.get("amy")?.passwords, []);
  assert.deepEqual(
    u.list().map((x) => x.name),
    ["amy", "default", "zed"],
  );
  assert.deepEqual(u.deleteUsers(["default"]), {
    ok: false,
    message: "The 'default' user cannot be removed",
  });
  assert.deepEqual(u.deleteUsers(["zed", "nobody"]), { ok: true, deleted: 1 });
  // Turning the default user off makes every new connection authenticate.
  u.setUser("default", ["off"]);
  assert.equal(u.authRequired, true);
});
