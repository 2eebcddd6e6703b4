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
import { FakeSentinelView, fakeMasterView } from "./fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import type { RespLimits } from "./server.js";
import type { Decoded } from "./test-client.js";
import { RawClient } from "./test-client.js";

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

void test("ACL LOG records refused AUTHs and commands, grouped as Redis does; ACL DRYRUN checks a user's rights", async (t) => {
  const { client } = await start(t);
  const reader = await client("reader", "readpw");
  assert.deepEqual(await reader.call(["SENTINEL", "SET", "mymaster", "quorum", "1"]), NOPERM("sentinel|set"));
  const stranger = await client();
  assert.deepEqual(await stranger.call(["AUTH", "ops", "wrong"]), WRONGPASS);
  assert.deepEqual(await stranger.call(["AUTH", "ops", "wrong"]), WRONGPASS);
  const admin = await client("default", "adminpw");
  const log = await admin.call(["ACL", "LOG"]);
  assert.ok(log.type === "array");
  const entries = log.items;
  const fields = (entry: Decoded | undefined): Record<string, unknown> => {
    const items = entry?.type === "array" ? entry.items : [];
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < items.length; i += 2) {
      const key = items[i];
      const value = items[i + 1];
      if (key !== undefined && "value" in key && value !== undefined && "value" in value)
        out[String(key.value)] = value.value;
    }
    return out;
  };
  // Newest first: the two failed AUTHs as one entry counted twice, then the refused command.
  assert.equal(entries.length, 2);
  const [auth, command] = entries.map(fields);
  assert.ok(auth !== undefined && command !== undefined);
  assert.deepEqual(
    {
      count: auth["count"],
      reason: auth["reason"],
      object: auth["object"],
      username: auth["username"],
    },
    { count: 2, reason: "auth", object: "AUTH", username: "ops" },
  );
  assert.deepEqual(
    { count: command["count"], reason: command["reason"], object: command["object"] },
    { count: 1, reason: "command", object: "sentinel|set" },
  );
  assert.equal(command["username"], "reader");
  assert.equal(command["context"], "toplevel");
  assert.match(String(command["client-info"]), /^id=\d+ addr=127\.0\.0\.1:\d+ .*user=reader/);
  assert.match(String(command["age-seconds"]), /^\d+(\.\d+)?$/);
  assert.equal((await admin.call(["ACL", "LOG", "1"])).type, "array");
  assert.deepEqual(await admin.call(["ACL", "LOG", "RESET"]), OK);
  assert.deepEqual(await admin.call(["ACL", "LOG"]), { type: "array", items: [] });
  assert.deepEqual(await reader.call(["ACL", "LOG"]), NOPERM("acl|log"), "ACL LOG is admin");

  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "SENTINEL", "MASTERS"]), OK);
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "reader", "SENTINEL", "FAILOVER", "mymaster"]), {
    type: "bulk",
    value: "This user has no permissions to run the 'sentinel|failover' command",
  });
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "ops", "SENTINEL", "FAILOVER", "mymaster"]), OK);
  assert.deepEqual(await admin.call(["ACL", "DRYRUN", "nobody", "PING"]), {
    type: "error",
    value: "ERR User 'nobody' not found",
  });
  // Only the reader's refused ACL LOG above: a dry run logs nothing.
  const after = await admin.call(["ACL", "LOG"]);
  assert.deepEqual(
    (after.type === "array" ? after.items : []).map((e) => fields(e)["object"]),
    ["acl|log"],
  );
});
