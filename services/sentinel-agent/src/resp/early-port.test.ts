// The Sentinel port bound at process start: connections made before the agent is ready are held,
// then served by the RespServer that adopts the port; a port that does not match is released.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EarlyPort, peekSentinelPort } from "./early-port.js";
import { FakeSentinelView } from "./testing/fake-view.js";
import { RESP_LIMITS_DEFAULT, RespServer } from "./server.js";
import { RawClient } from "./testing/test-client.js";

function server(port: number, early: EarlyPort | null, host = "127.0.0.1"): RespServer {
  return new RespServer({
    host,
    port,
    view: new FakeSentinelView(),
    requirepass: null,
    limits: RESP_LIMITS_DEFAULT,
    redis_version: "7.0.15",
    config_file: "",
    now_ms: Date.now,
    early,
  });
}

/** An early port on a free port (0: the OS picks; boundPort reads which). */
async function freeEarlyPort(): Promise<EarlyPort> {
  const early = await EarlyPort.bind("127.0.0.1", 0);
  assert.ok(early !== null);
  return early;
}

void test("a client connecting before the agent is ready is held, then answered (not refused)", async (t) => {
  const probe = await freeEarlyPort();
  const port = boundPort(probe);
  await probe.close();
  const early = await EarlyPort.bind("127.0.0.1", port);
  assert.ok(early !== null, "bound");
  // Connected and a request sent while nothing can answer it yet.
  const held = await RawClient.open(port);
  t.after(() => {
    held.close();
  });
  held.sendRaw("PING\r\n");
  const resp = server(port, early);
  t.after(() => resp.close());
  assert.deepEqual(await resp.listen(), { host: "127.0.0.1", port });
  assert.deepEqual(await held.replies(1), [{ type: "simple", value: "PONG" }]);
  // New connections go straight to the server.
  const later = await RawClient.open(port);
  t.after(() => {
    later.close();
  });
  assert.deepEqual(await later.call(["PING"]), { type: "simple", value: "PONG" });
});

void test("an early port that is not the configured one is released before the server binds", async (t) => {
  const probe = await freeEarlyPort();
  const port = boundPort(probe);
  await probe.close();
  const early = await EarlyPort.bind("127.0.0.1", port);
  assert.ok(early !== null);
  // The configuration says another host for the same port: the early one must go first.
  const resp = server(port, early, "127.0.0.2");
  t.after(() => resp.close());
  assert.deepEqual(await resp.listen(), { host: "127.0.0.2", port });
  await assert.rejects(RawClient.open(port, "127.0.0.1"), /ECONNREFUSED/);
});

void test("peekSentinelPort reads port and bind as the loader does, and declines when unsure", () => {
  const dir = mkdtempSync(join(tmpdir(), "early-port-"));
  const conf = (text: string): string => {
    const path = join(dir, `s${Math.random()}.conf`);
    writeFileSync(path, text);
    return path;
  };
  assert.deepEqual(peekSentinelPort(conf("port 26380\nbind 127.0.0.1 ::1\nport 26381\n"), {}), {
    host: "127.0.0.1",
    port: 26381,
  });
  assert.deepEqual(peekSentinelPort(conf("sentinel monitor m 127.0.0.1 6379 2\n"), {}), {
    host: "0.0.0.0",
    port: 26379,
  });
  assert.deepEqual(peekSentinelPort(conf("port 26380\n"), { SP_SENTINEL_PORT: "26390" }), {
    host: "0.0.0.0",
    port: 26390,
  });
  assert.equal(peekSentinelPort(conf("port 0\ntls-port 26379\n"), {}), null);
  assert.equal(peekSentinelPort(conf("include /etc/other.conf\n"), {}), null);
  assert.equal(peekSentinelPort(conf("bind localhost\n"), {}), null);
  assert.equal(peekSentinelPort(join(dir, "missing.conf"), {}), null);
});

function boundPort(early: EarlyPort): number {
  // adopt() hands the listening server over; only its address is read here.
  const address = early.adopt(() => undefined).address();
  if (address === null || typeof address === "string") throw new Error("not listening");
  return address.port;
}
