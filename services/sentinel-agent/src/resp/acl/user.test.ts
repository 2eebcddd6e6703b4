import assert from "node:assert/strict";
import { test } from "node:test";
import { aclCommands } from "../command-table.js";
import { applyRules, describeRules, newUser, passwordHash, userCanRun } from "./user.js";
import type { AclUser } from "./user.js";

const UNIVERSE = aclCommands();

function user(...rules: string[]): AclUser {
  const result = applyRules(newUser("u"), rules, UNIVERSE);
  if (!result.ok) assert.fail(`${result.rule}: ${result.reason}`);
  return result.user;
}

function refusal(...rules: string[]): string {
  const result = applyRules(newUser("u"), rules, UNIVERSE);
  if (result.ok) assert.fail(`accepted ${rules.join(" ")}`);
  return `${result.rule}: ${result.reason}`;
}

void test("a new user is off, without password, commands, keys or channels (as ACL LIST prints it)", () => {
  assert.deepEqual(describeRules(newUser("u")), ["off", "resetchannels", "-@all"]);
  assert.equal(userCanRun(newUser("u"), "ping"), false);
});

void test("descriptions match what redis-sentinel 7.0.15's ACL LIST printed for the same rules", () => {
  // Each pair was run on a real redis-sentinel 7.0.15 (ACL SETUSER, then ACL LIST).
  assert.deepEqual(describeRules(user("on", ">p", "+@all")), [
    "on",
    `#${passwordHash("p")}`,
    "resetchannels",
    "+@all",
  ]);
  assert.deepEqual(describeRules(user("on", ">rp", "-@all", "+sentinel|masters")), [
    "on",
    `#${passwordHash("rp")}`,
    "resetchannels",
    "-@all",
    "+sentinel|masters",
  ]);
  assert.deepEqual(describeRules(user("~foo", "allkeys")), ["off", "~*", "resetchannels", "-@all"]);
  assert.deepEqual(describeRules(user("reset")), ["off", "sanitize-payload", "resetchannels", "-@all"]);
  assert.deepEqual(describeRules(user(">a", "nopass")), ["off", "nopass", "resetchannels", "-@all"]);
  assert.deepEqual(describeRules(user("nopass", ">a")), [
    "off",
    `#${passwordHash("a")}`,
    "resetchannels",
    "-@all",
  ]);
  assert.deepEqual(describeRules(user(">a", "resetpass")), ["off", "resetchannels", "-@all"]);
  assert.deepEqual(describeRules(user("&foo", "%R~k", "sanitize-payload")), [
    "off",
    "sanitize-payload",
    "%R~k",
    "resetchannels",
    "&foo",
    "-@all",
  ]);
  assert.deepEqual(describeRules(user("on", "nopass", "~*", "&*", "+@all")), [
    "on",
    "nopass",
    "~*",
    "&*",
    "+@all",
  ]);
});

void test("refusals carry Redis's reasons", () => {
  assert.equal(refusal("bogus"), "bogus: Syntax error");
  assert.equal(refusal("+nosuch"), "+nosuch: Unknown command or category name in ACL");
  assert.equal(refusal("+@nosuch"), "+@nosuch: Unknown command or category name in ACL");
  assert.equal(refusal("+sentinel|nosub"), "+sentinel|nosub: Unknown command or category name in ACL");
  assert.equal(
    refusal("+sentinel|masters|x"),
    "+sentinel|masters|x: Allowing first-arg of a subcommand is not supported",
  );
  assert.equal(
    refusal("#abc"),
    "#abc: The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
  );
  assert.equal(refusal("<zz"), "<zz: The password you are trying to remove from the user does not exist");
  assert.match(
    refusal("~*", "~foo"),
    /^~foo: Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/,
  );
  // Applied left to right: the first bad rule is the one reported.
  assert.equal(refusal("on", "+@all", "nope", "+nosuch"), "nope: Syntax error");
});

void test("command rules: categories, commands with their subcommands, single subcommands", () => {
  const admin = user("+@all", "-sentinel|set");
  assert.equal(userCanRun(admin, "sentinel|monitor"), true);
  assert.equal(userCanRun(admin, "sentinel|set"), false);
  const reader = user("-@all", "+sentinel|masters", "+ping");
  assert.equal(userCanRun(reader, "sentinel|masters"), true);
  assert.equal(userCanRun(reader, "sentinel|master"), false);
  const whole = user("+sentinel", "-sentinel|failover");
  assert.equal(userCanRun(whole, "sentinel|remove"), true);
  assert.equal(userCanRun(whole, "sentinel|failover"), false);
  assert.equal(userCanRun(whole, "info"), false);
  // Redis's own categories come from COMMAND's ACL flags: every SENTINEL subcommand is @admin.
  const dangerous = user("+@all", "-@dangerous");
  assert.equal(userCanRun(dangerous, "sentinel|masters"), false);
  assert.equal(userCanRun(dangerous, "ping"), true);
  // -@all / +@all start over and drop the rules before them (ACL LIST shows what is left).
  assert.deepEqual(describeRules(user("+ping", "-@all", "+info")).slice(-2), ["-@all", "+info"]);
  // A second rule for the same command replaces the first.
  assert.deepEqual(describeRules(user("+ping", "-ping")).slice(-2), ["-@all", "-ping"]);
  // Case does not matter for rule words and command names.
  assert.equal(userCanRun(user("ON", "+SENTINEL|MASTERS"), "sentinel|masters"), true);
});

void test("passwords: >p adds, <p removes, #hash / !hash by digest, nopass clears them", () => {
  const two = user(">a", ">b", ">a");
  assert.deepEqual(two.passwords, [passwordHash("a"), passwordHash("b")]);
  assert.deepEqual(user(">a", ">b", "<a").passwords, [passwordHash("b")]);
  assert.deepEqual(user(`#${passwordHash("x")}`, `!${passwordHash("x")}`).passwords, []);
  assert.deepEqual(user(">a", "nopass").passwords, []);
});
