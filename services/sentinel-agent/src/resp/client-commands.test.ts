// CLIENT subcommands that act on connections (REPLY, PAUSE, LIST/KILL filters) over real sockets.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { FakeSentinelView } from "./testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import type { RespServerOptions } from "./server.js";
import { RawClient } from "./testing/test-client.js";

async function start(
  t: TestContext,
  extra: Partial<RespServerOptions> = {},
): Promise<() => Promise<RawClient>> {
  const server = new RespServer({
    host: "127.0.0.1",
    port: 0,
    view: new FakeSentinelView(),
    requirepass: null,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "",
    now_ms: Date.now,
    ...extra,
  });
  const { port } = await server.listen();
  const clients: RawClient[] = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.close();
  });
  return async () => {
    const c = await RawClient.open(port);
    clients.push(c);
    return c;
  };
}

void test("CLIENT REPLY OFF and SKIP hide replies as Redis does; ON answers again", async (t) => {
  const client = await (await start(t))();
  client.sendRaw(
    "CLIENT REPLY OFF\r\nPING a\r\nCLIENT REPLY SKIP\r\nPING b\r\nCLIENT REPLY ON\r\nPING c\r\n" +
      "CLIENT REPLY SKIP\r\nPING d\r\nPING e\r\nCLIENT REPLY SKIP\r\nCLIENT REPLY ON\r\nPING f\r\n",
  );
  assert.deepEqual(await client.replies(5), [
    { type: "simple", value: "OK" },
    { type: "bulk", value: "c" },
    { type: "bulk", value: "e" },
    { type: "simple", value: "OK" },
    { type: "bulk", value: "f" },
  ]);
});

void test("CLIENT PAUSE ALL holds other clients' commands until it ends; an unknown command is answered at once", async (t) => {
  const open = await start(t);
  const [pauser, held, other] = [await open(), await open(), await open()];
  assert.deepEqual(await pauser.call(["CLIENT", "PAUSE", "1500", "ALL"]), { type: "simple", value: "OK" });
  const order: string[] = [];
  const pong = held.call(["PING"]).then((reply) => {
    order.push("held PING");
    return reply;
  });
  const unknown = await other.call(["NOSUCH"]);
  order.push("unknown command");
  assert.equal(unknown.type, "error");
  assert.deepEqual(await pong, { type: "simple", value: "PONG" });
  assert.deepEqual(order, ["unknown command", "held PING"]);
  // WRITE mode holds nothing on a Sentinel port.
  assert.deepEqual(await pauser.call(["CLIENT", "PAUSE", "60000", "WRITE"]), { type: "simple", value: "OK" });
  assert.deepEqual(await held.call(["PING"]), { type: "simple", value: "PONG" });
  assert.deepEqual(await pauser.call(["CLIENT", "UNPAUSE"]), { type: "simple", value: "OK" });
});

void test("CLIENT LIST TYPE/ID and KILL TYPE select clients as Redis 7.0; NO-EVICT and TRACKING show in flags", async (t) => {
  const open = await start(t);
  const [admin, subscriber] = [await open(), await open()];
  await subscriber.call(["SUBSCRIBE", "+sdown"]);
  const subscriberId = await subscriber.call(["CLIENT", "ID"]).catch(() => null);
  assert.equal(subscriberId?.type, "error", "RESP2 subscribed context refuses CLIENT ID");
  const pubsub = await admin.call(["CLIENT", "LIST", "TYPE", "pubsub"]);
  assert.ok(pubsub.type === "bulk" && /flags=P /.test(pubsub.value), JSON.stringify(pubsub));
  const ownId = await admin.call(["CLIENT", "ID"]);
  assert.ok(ownId.type === "integer");
  await admin.call(["CLIENT", "NO-EVICT", "on"]);
  await admin.call(["CLIENT", "TRACKING", "on", "BCAST"]);
  const own = await admin.call(["CLIENT", "LIST", "ID", String(ownId.value), "999999"]);
  assert.ok(own.type === "bulk", JSON.stringify(own));
  assert.match(own.value, new RegExp(`^id=${ownId.value} .* flags=tBe .* redir=0 resp=2\\n$`));
  assert.deepEqual(await admin.call(["CLIENT", "KILL", "TYPE", "pubsub"]), { type: "integer", value: 1 });
  await subscriber.waitClosed();
  assert.deepEqual(await admin.call(["CLIENT", "KILL", "TYPE", "normal"]), { type: "integer", value: 0 });
});
