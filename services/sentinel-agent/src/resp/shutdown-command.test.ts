// SHUTDOWN's parsing and replies over a real socket, with the agent's stop replaced by a hook.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TestContext } from "node:test";
import { FakeSentinelView } from "./testing/fake-view.js";
import type { Reply } from "./reply.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import type { ShutdownFlags } from "./session.js";
import { RawClient } from "./testing/test-client.js";

async function open(
  t: TestContext,
  on_shutdown?: (flags: ShutdownFlags) => Promise<Reply | null>,
): Promise<RawClient> {
  const server = new RespServer({
    host: "127.0.0.1",
    port: 0,
    view: new FakeSentinelView(),
    requirepass: null,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "",
    now_ms: Date.now,
    ...(on_shutdown === undefined ? {} : { on_shutdown }),
  });
  const { port } = await server.listen();
  const client = await RawClient.open(port);
  t.after(async () => {
    client.close();
    await server.close();
  });
  return client;
}

const err = (value: string): Reply => ({ type: "error", value: `ERR ${value}` });

void test("SHUTDOWN refuses bad modifiers and ABORT as Redis 7.0, without calling the hook", async (t) => {
  const calls: ShutdownFlags[] = [];
  const client = await open(t, (flags) => {
    calls.push(flags);
    return Promise.resolve(null);
  });
  assert.deepEqual(await client.call(["SHUTDOWN", "ABORT"]), err("No shutdown in progress."));
  assert.deepEqual(await client.call(["SHUTDOWN", "FOO"]), err("syntax error"));
  assert.deepEqual(await client.call(["SHUTDOWN", "ABORT", "NOW"]), err("syntax error"));
  assert.deepEqual(await client.call(["SHUTDOWN", "NOSAVE", "SAVE"]), err("syntax error"));
  assert.deepEqual(calls, []);
  client.send(["SHUTDOWN", "nosave", "now", "force"]);
  await client.waitClosed();
  assert.deepEqual(calls, [{ force: true, now: true }]);
  await assert.rejects(client.replies(1, 100), /closed after 0\/1/, "no reply before the close");
});

void test("SHUTDOWN answers Redis's failure when the stop cannot proceed, and the connection stays", async (t) => {
  const failing = await open(t, () => Promise.resolve(err("Errors trying to SHUTDOWN. Check logs.")));
  assert.deepEqual(await failing.call(["SHUTDOWN"]), err("Errors trying to SHUTDOWN. Check logs."));
  assert.deepEqual(await failing.call(["PING"]), { type: "simple", value: "PONG" });
  const without = await open(t);
  assert.deepEqual(await without.call(["SHUTDOWN"]), err("Errors trying to SHUTDOWN. Check logs."));
});
