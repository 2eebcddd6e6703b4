// ACL users on the RESP port over a fake view, with real TCP clients: AUTH as a user, NOPERM by
// role, ACL SETUSER/DELUSER/GETUSER/LIST/USERS/WHOAMI/CAT with Redis 7.0's replies, the
// persistence callback, and the idle timeout of connections that never authenticate.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { AclUsers } from "./acl/index.js";
import type { AclUserLine } from "./acl/index.js";
import { aclCommands } from "./command-table.js";
import type { CloseReason } from "./connection.js";
import { FakeSentinelView, fakeMasterView } from "./testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import type { RespLimits } from "./server.js";
import type { Decoded } from "./testing/test-client.js";
import { RawClient } from "./testing/test-client.js";

const NOPERM = (command: string): Decoded => ({
  type: "error",
  value: `NOPERM this user has no permissions to run the '${command}' command`,
});
const OK: Decoded = { type: "simple", value: "OK" };
const WRONGPASS: Decoded = {
  type: "error",
  value: "WRONGPASS invalid username-password pair or user is disabled.",
};

const LINES: AclUserLine[] = [
  { name: "default", rules: ["on", ">adminpw", "~*", "&*", "+@all"] },
  { name: "reader", rules: ["on", ">readpw", "+@sp-read"] },
  { name: "ops", rules: ["on", ">opspw", "+@sp-operate"] },
];

async function start(
  t: TestContext,
  limits: Partial<RespLimits> = {},
  lines: readonly AclUserLine[] = LINES,
): Promise<{
  view: FakeSentinelView;
  saved: AclUserLine[][];
  closed: CloseReason[];
  /** Resolves at the server's first connection close. */
  first_close: Promise<CloseReason>;
  client: (user?: string, password?: string) => Promise<RawClient>;
}> {
  const view = new FakeSentinelView();
  view.addMaster({
    master: fakeMasterView("mymaster", "127.0.0.1", 16001),
    replicas: [],
    sentinels: [],
    address: { ip: "127.0.0.1", port: 16001 },
  });
  const built = AclUsers.fromConfig(null, lines, aclCommands());
  if (!built.ok) assert.fail(built.errors.join("; "));
  const saved: AclUserLine[][] = [];
  const closed: CloseReason[] = [];
  let closeSeen: (reason: CloseReason) => void = () => undefined;
  const first_close = new Promise<CloseReason>((resolve) => {
    closeSeen = resolve;
  });
  const server = new RespServer({
    host: "127.0.0.1",
    port: 0,
    view,
    requirepass: null,
    users: built.users,
    on_acl_changed: (users) => {
      saved.push(users.lines());
      return Promise.resolve();
    },
    limits: { ...RESP_LIMITS_DEFAULT, ...limits },
    redis_version: "7.0.15",
    config_file: "/etc/sentinel-plane/sentinel.conf",
    now_ms: Date.now,
    onClientClosed: (_id, reason) => {
      closed.push(reason);
      closeSeen(reason);
    },
  });
  const { port } = await server.listen();
  const clients: RawClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });
  return {
    view,
    saved,
    closed,
    first_close,
    client: async (user, password) => {
      const c = await RawClient.open(port);
      clients.push(c);
      if (user !== undefined) assert.deepEqual(await c.call(["AUTH", user, password ?? ""]), OK);
      return c;
    },
  };
}

void test("AUTH: missing, wrong and right credentials, with Redis's errors", async (t) => {
  const { client } = await start(t);
  const c = await client();
  assert.deepEqual(await c.call(["SENTINEL", "MASTERS"]), {
    type: "error",
    value: "NOAUTH Authentication required.",
  });
  assert.deepEqual(await c.call(["AUTH", "reader", "nope"]), WRONGPASS);
  assert.deepEqual(await c.call(["AUTH", "nobody", "readpw"]), WRONGPASS);
  assert.deepEqual(await c.call(["AUTH", "nope"]), WRONGPASS);
  assert.deepEqual(await c.call(["AUTH", "reader", "readpw"]), OK);
  assert.deepEqual(await c.call(["ACL", "WHOAMI"]), { type: "bulk", value: "reader" });
  // AUTH <password> is the default user's.
  const d = await client();
  assert.deepEqual(await d.call(["AUTH", "adminpw"]), OK);
  assert.deepEqual(await d.call(["ACL", "WHOAMI"]), { type: "bulk", value: "default" });
  const e = await client();
  assert.equal((await e.call(["HELLO", "3", "AUTH", "ops", "opspw"])).type, "map");
  assert.deepEqual(await e.call(["ACL", "WHOAMI"]), { type: "bulk", value: "ops" });
  const f = await client();
  assert.deepEqual(await f.call(["HELLO", "3", "AUTH", "ops", "bad"]), WRONGPASS);
});

void test("roles: read reads only, operate also fails over and resets, admin does everything", async (t) => {
  const { client, view } = await start(t);
  const reader = await client("reader", "readpw");
  assert.equal((await reader.call(["SENTINEL", "MASTERS"])).type, "array");
  assert.equal((await reader.call(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])).type, "array");
  assert.equal((await reader.call(["PING"])).type, "simple");
  assert.deepEqual(await reader.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), NOPERM("sentinel|set"));
  assert.deepEqual(
    await reader.call(["SENTINEL", "MONITOR", "other", "127.0.0.1", "16009", "2"]),
    NOPERM("sentinel|monitor"),
  );
  assert.deepEqual(await reader.call(["SENTINEL", "REMOVE", "mymaster"]), NOPERM("sentinel|remove"));
  assert.deepEqual(await reader.call(["SENTINEL", "FAILOVER", "mymaster"]), NOPERM("sentinel|failover"));
  assert.deepEqual(await reader.call(["ACL", "SETUSER", "x"]), NOPERM("acl|setuser"));
  const ops = await client("ops", "opspw");
  assert.deepEqual(await ops.call(["SENTINEL", "FAILOVER", "mymaster"]), OK);
  assert.deepEqual(await ops.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), NOPERM("sentinel|set"));
  assert.deepEqual(
    await ops.call(["SENTINEL", "CONFIG", "SET", "resolve-hostnames", "yes"]),
    NOPERM("sentinel|config"),
  );
  const admin = await client("default", "adminpw");
  assert.deepEqual(await admin.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), OK);
  assert.deepEqual(await admin.call(["SENTINEL", "REMOVE", "mymaster"]), OK);
  // Only the permitted calls reached the view.
  assert.deepEqual(
    view.calls.filter((c) => c !== "flushconfig"),
    ["failover mymaster", "set mymaster quorum=1", "remove mymaster"],
  );
});

void test("ACL SETUSER / GETUSER / LIST / USERS / DELUSER / CAT, persisted on every write", async (t) => {
  const { client, saved } = await start(t);
  const admin = await client("default", "adminpw");
  assert.deepEqual(await admin.call(["ACL", "SETUSER", "x", "bogus"]), {
    type: "error",
    value: "ERR Error in ACL SETUSER modifier 'bogus': Syntax error",
  });
  assert.equal(saved.length, 0);
  assert.deepEqual(
    await admin.call(["ACL", "SETUSER", "viewer", "on", ">v", "-@all", "+sentinel|masters"]),
    OK,
  );
  assert.deepEqual(
    saved.at(-1)?.map((l) => l.name),
    ["default", "ops", "reader", "viewer"],
  );
  const list = await admin.call(["ACL", "LIST"]);
  if (list.type !== "array") assert.fail("ACL LIST: not an array");
  const lines = list.items.map((i) => ("value" in i ? String(i.value) : ""));
  assert.match(lines[3] ?? "", /^user viewer on #[0-9a-f]{64} resetchannels -@all \+sentinel\|masters$/);
  assert.deepEqual(await admin.call(["ACL", "USERS"]), {
    type: "array",
    items: ["default", "ops", "reader", "viewer"].map((value) => ({ type: "bulk", value })),
  });
  const getuser = await admin.call(["ACL", "GETUSER", "viewer"]);
  if (getuser.type !== "array") assert.fail("ACL GETUSER: not an array");
  assert.deepEqual(
    getuser.items.filter((_, i) => i % 2 === 0).map((i) => ("value" in i ? i.value : null)),
    ["flags", "passwords", "commands", "keys", "channels", "selectors"],
  );
  assert.deepEqual(getuser.items[5], { type: "bulk", value: "-@all +sentinel|masters" });
  assert.deepEqual(await admin.call(["ACL", "GETUSER", "nobody"]), { type: "null_bulk" });
  assert.deepEqual(await admin.call(["ACL", "CAT", "nosuch"]), {
    type: "error",
    value: "ERR Unknown category 'nosuch'",
  });
  const cat = await admin.call(["ACL", "CAT"]);
  assert.ok(cat.type === "array" && cat.items.some((i) => "value" in i && i.value === "sp-operate"));
  // A deleted user's connections are closed, as Redis does.
  const viewer = await client("viewer", "v");
  assert.deepEqual(await admin.call(["ACL", "DELUSER", "viewer", "nobody"]), { type: "integer", value: 1 });
  await viewer.waitClosed();
  assert.deepEqual(await admin.call(["ACL", "DELUSER", "default"]), {
    type: "error",
    value: "ERR The 'default' user cannot be removed",
  });
  assert.deepEqual(await admin.call(["ACL", "SAVE"]), {
    type: "error",
    value:
      "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.",
  });
});

void test("CLIENT KILL USER and CLIENT LIST show the user (the Sentinel test suite's 09-acl-support)", async (t) => {
  const { client } = await start(t);
  const admin = await client("default", "adminpw");
  const reader = await client("reader", "readpw");
  const listed = await admin.call(["CLIENT", "LIST"]);
  assert.ok(listed.type === "bulk" && listed.value.includes("user=reader"));
  assert.deepEqual(await admin.call(["CLIENT", "KILL", "USER", "nobody"]), {
    type: "error",
    value: "ERR No such user 'nobody'",
  });
  assert.deepEqual(await admin.call(["CLIENT", "KILL", "USER", "reader"]), { type: "integer", value: 1 });
  await reader.waitClosed();
});

void test("a connection that does not authenticate in time is closed; one that does stays", async (t) => {
  const { client, closed, first_close } = await start(t, { unauthenticated_timeout_ms: 200 });
  const idle = await client();
  const logged = await client("reader", "readpw");
  await idle.waitClosed();
  assert.equal(await first_close, "unauthenticated_timeout");
  assert.deepEqual(closed, ["unauthenticated_timeout"]);
  // The authenticated one outlived the idle one's deadline and still answers.
  assert.equal((await logged.call(["PING"])).type, "simple");
});

void test("reads open, changes by name: a nopass default user with +@sp-read and an admin user", async (t) => {
  const { client } = await start(t, {}, [
    { name: "default", rules: ["on", "nopass", "+@sp-read"] },
    { name: "admin", rules: ["on", ">adminpw", "+@all"] },
  ]);
  const anonymous = await client();
  assert.equal((await anonymous.call(["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster"])).type, "array");
  assert.deepEqual(
    await anonymous.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]),
    NOPERM("sentinel|set"),
  );
  assert.deepEqual(await anonymous.call(["AUTH", "admin", "adminpw"]), OK);
  assert.deepEqual(await anonymous.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), OK);
});

void test("ACL DRYRUN: the user's verdict without running the command, with Redis 7.0's replies", async (t) => {
  const { client, view } = await start(t);
  const admin = await client("default", "adminpw");
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "sentinel", "masters"]), OK);
  assert.deepEqual(
    await admin.call(["ACL", "DRYRUN", "reader", "SENTINEL", "SET", "mymaster", "quorum", "1"]),
    {
      type: "bulk",
      value: "This user has no permissions to run the 'sentinel|set' command",
    },
  );
  // AUTH and HELLO are never refused by command rules.
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "auth", "x"]), OK);
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "nobody", "ping"]), {
    type: "error",
    value: "ERR User 'nobody' not found",
  });
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "sentinel", "nosub"]), {
    type: "error",
    value: "ERR Command 'sentinel' not found",
  });
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "role", "x"]), {
    type: "error",
    value: "ERR wrong number of arguments for 'role' command",
  });
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "default", "sentinel", "remove", "mymaster"]), OK);
  assert.deepEqual(view.calls, [], "nothing ran");
  const reader = await client("reader", "readpw");
  assert.deepEqual(await reader.call(["ACL", "DRYRUN", "reader", "ping"]), NOPERM("acl|dryrun"));
});

void test("ACL LOG: refused commands and failed logins, newest first, counted, RESET", async (t) => {
  const { client } = await start(t);
  const admin = await client("default", "adminpw");
  assert.deepEqual(await admin.call(["ACL", "LOG"]), { type: "array", items: [] });
  const c = await client();
  assert.deepEqual(await c.call(["AUTH", "reader", "nope"]), WRONGPASS);
  assert.deepEqual(await c.call(["AUTH", "reader", "readpw"]), OK);
  assert.deepEqual(await c.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), NOPERM("sentinel|set"));
  assert.deepEqual(await c.call(["SENTINEL", "SET", "mymaster", "quorum", "2"]), NOPERM("sentinel|set"));
  const log = await admin.call(["ACL", "LOG"]);
  const entries = log.type === "array" ? log.items : [];
  const fields = (entry: Decoded): Map<string, Decoded> => {
    const kv = entry.type === "array" ? entry.items : [];
    const out = new Map<string, Decoded>();
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const key = kv[i];
      const value = kv[i + 1];
      if (key?.type === "bulk" && value !== undefined) out.set(key.value, value);
    }
    return out;
  };
  assert.equal(entries.length, 2);
  const refused = fields(entries[0] ?? { type: "null_array" });
  const login = fields(entries[1] ?? { type: "null_array" });
  assert.deepEqual(refused.get("count"), { type: "integer", value: 2 });
  assert.deepEqual(refused.get("reason"), { type: "bulk", value: "command" });
  assert.deepEqual(refused.get("context"), { type: "bulk", value: "toplevel" });
  assert.deepEqual(refused.get("object"), { type: "bulk", value: "sentinel|set" });
  assert.deepEqual(refused.get("username"), { type: "bulk", value: "reader" });
  const text = (reply: Decoded | undefined): string =>
    reply?.type === "bulk" || reply?.type === "double" ? reply.value : JSON.stringify(reply);
  assert.match(text(refused.get("age-seconds")), /^\d+(\.\d+)?(e-\d+)?$/);
  assert.match(text(refused.get("client-info")), / cmd=sentinel\|set user=reader /);
  assert.deepEqual(login.get("reason"), { type: "bulk", value: "auth" });
  assert.deepEqual(login.get("object"), { type: "bulk", value: "AUTH" });
  assert.deepEqual(login.get("username"), { type: "bulk", value: "reader" });
  const latest = await admin.call(["ACL", "LOG", "1"]);
  assert.equal(latest.type === "array" ? latest.items.length : -1, 1);
  assert.deepEqual(await admin.call(["ACL", "LOG", "x"]), {
    type: "error",
    value: "ERR value is not an integer or out of range",
  });
  assert.deepEqual(await admin.call(["ACL", "LOG", "RESET"]), OK);
  assert.deepEqual(await admin.call(["ACL", "LOG"]), { type: "array", items: [] });
});
