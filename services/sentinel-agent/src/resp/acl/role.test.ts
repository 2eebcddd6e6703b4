import assert from "node:assert/strict";
import { test } from "node:test";
import { respCommandRole } from "../../roles.js";
import { aclCommands } from "../command-table.js";
import { categoryMembers } from "./categories.js";
import { applyRules, newUser, userCanRun } from "./user.js";
import type { AclUser } from "./user.js";
import { userRole } from "./role.js";

const UNIVERSE = aclCommands();

function user(...rules: string[]): AclUser {
  const result = applyRules(newUser("u"), ["on", ...rules], UNIVERSE);
  if (!result.ok) assert.fail(result.reason);
  return result.user;
}

void test("the role categories grant README's table: read, operate, admin", () => {
  const read = user("+@sp-read");
  const operate = user("+@sp-operate");
  const admin = user("+@sp-admin");
  for (const name of ["sentinel|masters", "sentinel|master", "sentinel|replicas", "sentinel|sentinels"]) {
    assert.equal(userCanRun(read, name), true, name);
  }
  for (const name of [
    "sentinel|get-master-addr-by-name",
    "sentinel|ckquorum",
    "sentinel|info-cache",
    "ping",
    "info",
    "subscribe",
  ]) {
    assert.equal(userCanRun(read, name), true, name);
  }
  for (const name of ["sentinel|failover", "sentinel|reset"]) {
    assert.equal(userCanRun(read, name), false, name);
    assert.equal(userCanRun(operate, name), true, name);
  }
  for (const name of [
    "sentinel|monitor",
    "sentinel|remove",
    "sentinel|set",
    "sentinel|config",
    "acl|setuser",
    "acl|deluser",
  ]) {
    assert.equal(userCanRun(operate, name), false, name);
    assert.equal(userCanRun(admin, name), true, name);
  }
  assert.equal(userRole(read, UNIVERSE), "read");
  assert.equal(userRole(operate, UNIVERSE), "operate");
  assert.equal(userRole(admin, UNIVERSE), "admin");
  assert.equal(userRole(user("+@all"), UNIVERSE), "admin");
});

void test("a user's role is the highest one all of whose commands it may run", () => {
  assert.equal(userRole(user("+@all", "-sentinel|set"), UNIVERSE), "operate");
  assert.equal(userRole(user("+@sp-read", "+sentinel|monitor"), UNIVERSE), "read");
  assert.equal(userRole(user("+sentinel|masters"), UNIVERSE), null);
});

void test("the role categories follow roles.ts, and every command of the port has a role", () => {
  const names = UNIVERSE.map((c) => c.name);
  assert.deepEqual(
    categoryMembers("sp-read", UNIVERSE),
    names.filter((n) => respCommandRole(n) === "read"),
  );
  // The containers grant every subcommand, so only admin holds them.
  for (const container of ["sentinel", "client", "acl"]) assert.equal(respCommandRole(container), "admin");
  assert.deepEqual(categoryMembers("sp-admin", UNIVERSE), names);
});
